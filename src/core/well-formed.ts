/** Half a UTF-16 surrogate pair: what a cut by string index leaves of a character outside the BMP (an emoji). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `s` with each half surrogate pair replaced by U+FFFD (ES2024's String.prototype.toWellFormed). */
export const toWellFormed = (s: string): string => s.replace(LONE_SURROGATE, "\uFFFD");
