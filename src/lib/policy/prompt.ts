// A user prompt → the token ids the policy was trained to continue (its chat template, then the
// assistant turn opened).
import type { TextTokenizer } from '../models/tokenizer';

export function chatPromptIds(tokenizer: TextTokenizer, prompt: string): number[] {
  return tokenizer.encode(tokenizer.applyChatTemplate([{ role: 'user', content: prompt }]));
}
