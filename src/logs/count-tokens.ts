import { countTokens as countO200k } from "gpt-tokenizer";

/**
 * Tokens of `text` under the o200k_base encoding (GPT-4o family). Budgets are about what a model will be
 * sent, so a real tokenizer is used rather than a chars/4 guess; callers keep it cheap by counting only
 * the text they may send.
 */
export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  return countO200k(text);
}
