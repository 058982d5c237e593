// Program extraction from model output, following SGP-RL: the program is the last complete
// `<svg …>…</svg>` element (tags matched case-insensitively, nested <svg> elements balanced),
// searched inside the last `<answer>…</answer>` block when the output has one. With no complete
// program, the last `<svg` up to the end of the search region is returned as a partial program
// (the reward treats it as failed; the streaming view repairs and renders it).
// Markdown fences (```svg, ```xml, ```html, bare ```) only bound a partial program: its text
// stops at the fence that closes the block it started in.

export type ExtractionKind = 'complete' | 'partial' | 'none';

export interface Extraction {
  /** complete: a balanced <svg>…</svg>; partial: an <svg> never closed; none: no <svg> at all. */
  kind: ExtractionKind;
  /** The program text ('' for none). Equal to output.slice(start, end). */
  svg: string;
  /** Offsets into the model output (-1 for none), so a UI can highlight the program. */
  start: number;
  end: number;
  /** The program came from inside an <answer> block. */
  inAnswer: boolean;
  /** The program came from inside a markdown code fence. */
  inFence: boolean;
}

export interface ExtractOptions {
  /**
   * 'complete' (default, SGP-RL): a complete program beats a later partial one.
   * 'latest': the last program started wins even if unfinished — what a streaming view shows.
   */
  prefer?: 'complete' | 'latest';
}

// A namespace prefix is legal (`<svg:svg xmlns:svg=…>`, which resvg renders).
const SVG_TAG = /<(\/?)(?:[A-Za-z_][\w.-]*:)?svg(?=[\s/>])/gi;
const FENCE = /^[ \t]*```/gm;

/** Finds the SVG program in a model's output; see the module comment for the rules. */
export function extractProgram(output: string, options: ExtractOptions = {}): Extraction {
  const { from, to, inAnswer } = answerRegion(output);
  let lastComplete: [number, number] | null = null;
  let open: number | null = null; // start of the outermost unclosed <svg
  let depth = 0;
  SVG_TAG.lastIndex = from;
  for (let m = SVG_TAG.exec(output); m && m.index < to; m = SVG_TAG.exec(output)) {
    const tagEnd = output.indexOf('>', m.index);
    const selfClosing = tagEnd > 0 && tagEnd <= to && output[tagEnd - 1] === '/';
    if (m[1] === '/') {
      if (depth === 0 || tagEnd < 0 || tagEnd >= to) continue; // stray or unfinished close tag
      depth--;
      if (depth === 0 && open !== null) { lastComplete = [open, tagEnd + 1]; open = null; }
    } else if (depth === 0) {
      if (selfClosing) lastComplete = [m.index, tagEnd + 1];
      else { open = m.index; depth = 1; }
    } else if (!selfClosing) depth++;
  }
  const fenced = (i: number): boolean => fenceEnd(output, i) !== null;
  const partial = (): Extraction | null => {
    if (open === null) return null;
    const end = Math.min(to, fenceEnd(output, open) ?? to);
    return make('partial', open, end, inAnswer, fenced(open), output);
  };
  if (options.prefer === 'latest') {
    const p = partial();
    if (p && (!lastComplete || p.start > lastComplete[0])) return p;
  }
  if (lastComplete) return make('complete', lastComplete[0], lastComplete[1], inAnswer, fenced(lastComplete[0]), output);
  return partial() ?? { kind: 'none', svg: '', start: -1, end: -1, inAnswer, inFence: false };
}

function make(kind: ExtractionKind, start: number, end: number, inAnswer: boolean, inFence: boolean, output: string): Extraction {
  return { kind, svg: output.slice(start, end), start, end, inAnswer, inFence };
}

/** The search region: inside the last <answer> block (closed or still open), else everything. */
export function answerRegion(output: string): { from: number; to: number; inAnswer: boolean } {
  const lower = output.toLowerCase();
  const open = lower.lastIndexOf('<answer>');
  if (open < 0) return { from: 0, to: output.length, inAnswer: false };
  const close = lower.indexOf('</answer>', open);
  return { from: open + 8, to: close < 0 ? output.length : close, inAnswer: true };
}

/** If offset i lies inside a fenced code block, the offset of the fence that closes it (or the text end). */
function fenceEnd(output: string, i: number): number | null {
  const fences: number[] = [];
  FENCE.lastIndex = 0;
  for (let m = FENCE.exec(output); m; m = FENCE.exec(output)) fences.push(m.index);
  for (let k = 0; k < fences.length; k += 2) {
    const opening = fences[k] ?? 0;
    const closing = fences[k + 1] ?? output.length;
    if (i > opening && i < closing) return closing;
  }
  return null;
}
