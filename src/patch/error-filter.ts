/**
 * A Python warning filter that makes warnings fail: every one (`error`) or a category's (`error::DeprecationWarning`),
 * as filterwarnings, `-W` and PYTHONWARNINGS write it.
 */
export const isErrorFilter = (filter: string) => /^error(:|$)/.test(filter);
