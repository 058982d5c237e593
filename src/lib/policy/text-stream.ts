// A row's text as tokens arrive, decoding only a short window per token: decoding the whole row at
// every step costs O(n²) (≈ 0.5 s per 700-token row here). The window starts at a token boundary the
// previous step already decoded, so tokenizers that treat the first token specially (a stripped
// leading space) see the same context both times and the difference is exactly the new text. A
// token that ends mid-character (U+FFFD) waits for the next one.
export class TextStream {
  text = '';
  private readonly tokens: number[] = [];
  private prefixOffset = 0;
  private readOffset = 0;

  constructor(private readonly decode: (ids: readonly number[]) => string) {}

  /** Adds a token; returns the text it completed ('' while a character is still partial). */
  push(token: number): string {
    this.tokens.push(token);
    const prefix = this.readOffset > this.prefixOffset ? this.decode(this.tokens.slice(this.prefixOffset, this.readOffset)) : '';
    const full = this.decode(this.tokens.slice(this.prefixOffset));
    if (full.length <= prefix.length || full.endsWith('\uFFFD')) return '';
    const delta = full.slice(prefix.length);
    this.prefixOffset = this.readOffset;
    this.readOffset = this.tokens.length;
    this.text += delta;
    return delta;
  }
}
