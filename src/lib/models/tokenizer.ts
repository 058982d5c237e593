// A model's tokenizer (and chat template, for policies), from the Hugging Face files every model
// folder has (tokenizer.json + tokenizer_config.json). Bundled and hub models load the same way.
// Tokenization is @huggingface/tokenizers (the engine inside transformers.js); chat templates are
// Jinja, rendered by @huggingface/jinja — the same pair transformers.js uses.
import { Tokenizer } from '@huggingface/tokenizers';
import { Template } from '@huggingface/jinja';
import { getJson } from './hub';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

interface TokenizerConfig {
  chat_template?: string;
  eos_token?: string | { content: string } | null;
  pad_token?: string | { content: string } | null;
  bos_token?: string | { content: string } | null;
}

const tokenText = (t: TokenizerConfig['eos_token']): string | null => (t == null ? null : typeof t === 'string' ? t : t.content);

export class TextTokenizer {
  readonly eosId: number;
  readonly padId: number;
  private readonly tokenizer: Tokenizer;
  private readonly template: Template | null;

  constructor(
    tokenizerJson: object,
    private readonly config: TokenizerConfig,
  ) {
    this.tokenizer = new Tokenizer(tokenizerJson, config);
    this.template = config.chat_template ? new Template(config.chat_template) : null;
    const eos = tokenText(config.eos_token);
    const eosId = eos === null ? undefined : this.tokenizer.token_to_id(eos);
    if (eosId === undefined) throw new Error(`tokenizer_config.json eos_token ${JSON.stringify(eos)} is not in the vocabulary`);
    this.eosId = eosId;
    // Decoders without a pad token pad with eos: padded positions are masked out anyway.
    this.padId = this.tokenizer.token_to_id(tokenText(config.pad_token) ?? '') ?? eosId;
  }

  /**
   * Loads `tokenizer.json` and `tokenizer_config.json` from a model folder URL through the model cache
   * (hub.ts), which holds them once the folder's model has loaded: a page reloaded offline finds them.
   */
  static async fromUrl(folder: string): Promise<TextTokenizer> {
    const base = folder.endsWith('/') ? folder : `${folder}/`;
    const get = (file: string) => getJson<object>(new URL(file, base).href, { id: base, file });
    const [json, config] = await Promise.all([get('tokenizer.json'), get('tokenizer_config.json')]);
    return new TextTokenizer(json, config as TokenizerConfig);
  }

  encode(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  /** Fixed-length ids, as text towers are exported (SigLIP pads to 64 with padding="max_length"). */
  encodePadded(text: string, length: number): number[] {
    const ids = this.encode(text).slice(0, length);
    return [...ids, ...Array<number>(length - ids.length).fill(this.padId)];
  }

  decode(ids: readonly number[], skipSpecialTokens = true): string {
    return this.tokenizer.decode([...ids], { skip_special_tokens: skipSpecialTokens });
  }

  /** The prompt text the model was trained on, e.g. `<|user|>a red circle<|assistant|>`. */
  applyChatTemplate(messages: ChatMessage[], addGenerationPrompt = true): string {
    if (!this.template) throw new Error('this tokenizer has no chat_template in tokenizer_config.json; pass raw text instead');
    return this.template.render({
      messages,
      add_generation_prompt: addGenerationPrompt,
      bos_token: tokenText(this.config.bos_token) ?? '',
      eos_token: tokenText(this.config.eos_token) ?? '',
    });
  }
}
