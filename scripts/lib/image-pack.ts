// Packs renders for the Python side as <stem>.bin (concatenated PNGs) + <stem>.jsonl.gz (one row
// per image with its offset and length): the one format of the encoder images, written by
// `npm run world:export -- --images` and training/encoders/render.ts, read by training/encoders/data.py.
// Every image goes through the app's render path (src/lib/render/node.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createRenderPool, type RenderPool } from '../../src/lib/render/node.ts';

/** Renders in flight at once: enough to keep every thread busy, few enough to bound the pixels held. */
const CHUNK = 512;

export class ImagePack {
  private readonly items: { svg: string; row: Record<string, unknown> }[] = [];

  /** `size`: output side in px (the encoders' input size; the app renders straight at it). */
  constructor(readonly size: number) {}

  add(svg: string, row: Record<string, unknown>): void {
    this.items.push({ svg, row });
  }

  /** Renders everything added and writes the pack; a render that fails stops the export, naming the row. */
  async write(dir: string, stem: string): Promise<{ images: number; bytes: number; index_bytes: number; seconds: number }> {
    const t0 = performance.now();
    // The world's own scenes render in milliseconds: here a deadline only guards against a stuck thread, and the
    // app's 2 s would fail exports on a busy machine (seen at load 19 on 2 cores).
    const pool: RenderPool = createRenderPool({ deadlineMs: 30_000 });
    const pngs: Uint8Array[] = [];
    const rows: string[] = [];
    let offset = 0;
    try {
      for (let i = 0; i < this.items.length; i += CHUNK) {
        const chunk = this.items.slice(i, i + CHUNK);
        const results = await pool.renderAll(chunk.map((it) => it.svg), { size: this.size, png: true });
        results.forEach((r, k) => {
          const { row } = chunk[k]!;
          if (!r.ok || !r.png) throw new Error(`cannot render ${JSON.stringify(row).slice(0, 100)}: ${r.ok ? 'no PNG' : `${r.error.code}: ${r.error.message}`}`);
          rows.push(JSON.stringify({ ...row, offset, length: r.png.length }));
          pngs.push(r.png);
          offset += r.png.length;
        });
      }
    } finally {
      await pool.close();
    }
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${stem}.bin`), Buffer.concat(pngs));
    const index = gzipSync(rows.join('\n') + '\n');
    writeFileSync(join(dir, `${stem}.jsonl.gz`), index);
    return { images: rows.length, bytes: offset, index_bytes: index.length, seconds: Number(((performance.now() - t0) / 1000).toFixed(2)) };
  }
}
