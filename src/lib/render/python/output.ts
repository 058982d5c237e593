// Capped capture of a program's stdout/stderr. A print flood must cost neither memory nor the
// time to ship megabytes back to the page: past the cap the text is dropped (and counted), and the
// owner is told once so it can stop the program.

export interface CappedText {
  text: string;
  truncated: boolean;
}

export class OutputSink {
  private parts: string[] = [];
  private kept = 0;
  private cut = 0;
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });

  constructor(
    private readonly cap: number,
    /** Called once, when the first character past the cap arrives. */
    private readonly onOverflow: () => void = () => {},
  ) {
    if (!Number.isInteger(cap) || cap < 0) throw new Error(`output cap must be a non-negative integer, got ${cap}`);
  }

  /** Takes raw bytes as Pyodide writes them; returns how many were consumed (all of them). */
  writeBytes(bytes: Uint8Array): number {
    // Decoding what will be thrown away is wasted work in a flood: count bytes instead (≈ characters).
    if (this.kept >= this.cap) this.cut += bytes.length;
    else this.write(this.decoder.decode(bytes, { stream: true }));
    return bytes.length;
  }

  write(text: string): void {
    const room = this.cap - this.kept;
    if (text.length <= room) {
      this.parts.push(text);
      this.kept += text.length;
      return;
    }
    const first = this.cut === 0;
    this.parts.push(text.slice(0, room));
    this.kept = this.cap;
    this.cut += text.length - room;
    if (first) this.onOverflow();
  }

  get overflowed(): boolean {
    return this.cut > 0;
  }

  result(): CappedText {
    const tail = this.decoder.decode();
    if (tail) this.write(tail);
    const text = this.parts.join('');
    return this.cut > 0 ? { text: `${text}\n[… ${this.cut} more characters cut: the output cap is ${this.cap}]`, truncated: true } : { text, truncated: false };
  }
}
