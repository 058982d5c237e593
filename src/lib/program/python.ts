// Python programs in model output: which language a program is in, where the Python code is, and
// a static look at the figure sizes it asks for. Text only; running the code is the Python worker's job.
//
// Extraction follows extract.ts: the search region is the last <answer>…</answer> block when there is
// one (closed or still open), else the whole output. Inside it, the program is the last fenced block
// tagged python/py/python3 (or an untagged fence whose body reads as Python); an unclosed fence runs
// to the region's end and is 'partial'. With no fence, bare code starts at the first line that reads
// as a Python statement (import, from … import, def, class, a comment, an assignment, a call).
import { answerRegion } from './extract';

export type Language = 'svg' | 'python';

export interface PythonExtraction {
  /** complete: a closed fence or bare code; partial: a fence never closed; none: no Python found. */
  kind: 'complete' | 'partial' | 'none';
  /** The program text ('' for none). Equal to output.slice(start, end). */
  code: string;
  start: number;
  end: number;
  inAnswer: boolean;
  inFence: boolean;
}

// An opening fence with its info string (```python, ~~~py …); a closing fence is a bare ``` line.
const FENCE_LINE = /^[ \t]*(`{3,}|~{3,})[ \t]*([\w+#.-]*)[^\n]*$/gm;
const PYTHON_TAGS = new Set(['python', 'py', 'python3', 'py3', 'matplotlib']);
const SVG_TAGS = new Set(['svg', 'xml', 'html']);
// Lines that only Python starts with (SVG and prose do not): imports, defs, assignments, calls, comments.
const PY_LINE = /^(?:import\s+[A-Za-z_]|from\s+[\w.]+\s+import\s|def\s+\w+\s*\(|class\s+\w+|@\w|#|[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_]\w*)*\s*=[^=]|[A-Za-z_][\w.]*\s*\()/;
const STRONG_PY = /^[ \t]*(?:import\s+[A-Za-z_]|from\s+[\w.]+\s+import\s|def\s+\w+\s*\(.*\)\s*:|plt\.\w+\s*\()/m;
const SVG_OPEN = /<(?:[A-Za-z_][\w.-]*:)?svg(?=[\s/>])/i;

interface Fence {
  tag: string;
  /** Offset of the body's first character and of the closing fence (region end when unclosed). */
  body: number;
  close: number;
  closed: boolean;
}

/** Fenced blocks inside [from, to), in order. */
function fences(output: string, from: number, to: number): Fence[] {
  const out: Fence[] = [];
  FENCE_LINE.lastIndex = from;
  let open: { tag: string; body: number; marker: string } | null = null;
  for (let m = FENCE_LINE.exec(output); m && m.index < to; m = FENCE_LINE.exec(output)) {
    const marker = m[1]!;
    if (!open) {
      open = { tag: (m[2] ?? '').toLowerCase(), body: Math.min(to, m.index + m[0].length + 1), marker };
    } else if (marker[0] === open.marker[0] && marker.length >= open.marker.length && (m[2] ?? '') === '') {
      out.push({ tag: open.tag, body: open.body, close: m.index, closed: true });
      open = null;
    }
  }
  if (open) out.push({ tag: open.tag, body: open.body, close: to, closed: false });
  return out;
}

function looksLikePython(code: string): boolean {
  return STRONG_PY.test(code) && !SVG_OPEN.test(code.slice(0, 200));
}

/** Finds the Python program in a model's output; see the module comment for the rules. */
export function extractPython(output: string): PythonExtraction {
  const { from, to, inAnswer } = answerRegion(output);
  const blocks = fences(output, from, to);
  const tagged = blocks.filter((b) => PYTHON_TAGS.has(b.tag));
  const untagged = blocks.filter((b) => b.tag === '' && looksLikePython(output.slice(b.body, b.close)));
  const block = tagged.at(-1) ?? untagged.at(-1);
  if (block) {
    const end = trimEnd(output, block.body, block.close);
    return { kind: block.closed ? 'complete' : 'partial', code: output.slice(block.body, end), start: block.body, end, inAnswer, inFence: true };
  }
  if (blocks.length === 0) {
    const start = firstStatement(output, from, to);
    if (start !== null && looksLikePython(output.slice(start, to))) {
      const end = trimEnd(output, start, to);
      return { kind: 'complete', code: output.slice(start, end), start, end, inAnswer, inFence: false };
    }
  }
  return { kind: 'none', code: '', start: -1, end: -1, inAnswer, inFence: false };
}

/** Offset of the first line in [from, to) that reads as a Python statement (prose before it is skipped). */
function firstStatement(output: string, from: number, to: number): number | null {
  let i = from;
  while (i < to) {
    const nl = output.indexOf('\n', i);
    const lineEnd = nl < 0 || nl > to ? to : nl;
    if (PY_LINE.test(output.slice(i, lineEnd))) return i;
    i = lineEnd + 1;
  }
  return null;
}

function trimEnd(output: string, start: number, end: number): number {
  while (end > start && /\s/.test(output[end - 1]!)) end--;
  return end;
}

/**
 * Which language the output's program is in. A fence's tag decides when the last tagged fence in the
 * region has one; else an <svg> element means SVG (what extract.ts finds); else code that reads as
 * Python means Python. A file name ending in .py forces Python. null: neither.
 */
export function detectLanguage(output: string, fileName?: string): Language | null {
  if (fileName && /\.py$/i.test(fileName)) return 'python';
  const { from, to } = answerRegion(output);
  const tag = fences(output, from, to).filter((b) => PYTHON_TAGS.has(b.tag) || SVG_TAGS.has(b.tag)).at(-1)?.tag;
  if (tag) return PYTHON_TAGS.has(tag) ? 'python' : 'svg';
  if (SVG_OPEN.test(output.slice(from, to))) return 'svg';
  return extractPython(output).kind === 'none' ? null : 'python';
}

/** The 1-based line of the model output on which line `line` of the extracted program sits. */
export function outputLine(output: string, x: PythonExtraction, line: number): number {
  let before = 1;
  for (let i = 0; i < x.start; i++) if (output.charCodeAt(i) === 10) before++;
  return before + line - 1;
}

/**
 * Agg allocates width × height × 4 bytes for a figure, and savefig to PNG encodes all of them. Here, in
 * native CPython, savefig(format='png') took 0.8 s for a 2896² px figure and 1.9 s for 4096²; Pyodide
 * runs such code slower still, so the budget is 2²³ px (≈ 2896², 32 MiB of RGBA), which a program can
 * save within the worker's 3 s deadline. That is 27× Matplotlib's default figure (6.4 × 4.8 in at
 * 100 dpi), and a 10 × 8 in figure saved at 300 dpi fits.
 */
export const MAX_FIGURE_PIXELS = 2 ** 23;
/** Matplotlib's defaults, used where the program names no size (rcParams figure.figsize, figure.dpi). */
const DEFAULT_FIGSIZE: [number, number] = [6.4, 4.8];
const DEFAULT_DPI = 100;

export interface FigureSizeRefusal {
  code: 'figure-too-large';
  limit: 'maxFigurePixels';
  message: string;
}

const NUM = String.raw`(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)`;
const FIGSIZE = new RegExp(String.raw`(?:figsize\s*=\s*|figure\.figsize['"]\s*\]\s*=\s*|set_size_inches\s*\(\s*)[(\[]?\s*${NUM}\s*,\s*${NUM}`, 'g');
const DPI = new RegExp(String.raw`(?:\bdpi\s*=\s*|(?:figure|savefig)\.dpi['"]\s*\]\s*=\s*|set_dpi\s*\(\s*)${NUM}`, 'g');

/**
 * The pixels a program asks Agg for, read from literal `figsize=(w, h)`, `set_size_inches(w, h)`,
 * `dpi=N` and rcParams assignments; the worst pairing of size and dpi counts, since any dpi may be
 * used with any figure. Sizes computed at run time escape this look; the worker's prelude checks
 * every figure again when Agg allocates it (matplotlib-prelude.ts).
 */
export function checkFigureSize(code: string, maxPixels = MAX_FIGURE_PIXELS): FigureSizeRefusal | null {
  const sizes = [...code.matchAll(FIGSIZE)].map((m) => ({ w: Number(m[1]), h: Number(m[2]), at: m[0] }));
  const dpis = [...code.matchAll(DPI)].map((m) => ({ dpi: Number(m[1]), at: m[0] }));
  const size = sizes.reduce((a, b) => (b.w * b.h > a.w * a.h ? b : a), { w: DEFAULT_FIGSIZE[0], h: DEFAULT_FIGSIZE[1], at: '' });
  const dpi = dpis.reduce((a, b) => (b.dpi > a.dpi ? b : a), { dpi: DEFAULT_DPI, at: '' });
  const width = Math.round(size.w * dpi.dpi);
  const height = Math.round(size.h * dpi.dpi);
  if (!(width * height > maxPixels)) return null;
  const asked = [size.at && `\`${quoteCode(size.at)}\``, dpi.at && `\`${quoteCode(dpi.at)}\``].filter(Boolean).join(' with ');
  return {
    code: 'figure-too-large',
    limit: 'maxFigurePixels',
    message: `${asked} asks for a ${size.w} × ${size.h} in figure at ${dpi.dpi} dpi = ${width} × ${height} px; at most ${maxPixels.toLocaleString('en')} px are drawn (about 2896 × 2896): lower figsize or dpi`,
  };
}

const quoteCode = (s: string): string => (s.length > 60 ? `${s.slice(0, 60)}…` : s);

/** Top-level modules a program imports (`import a.b, c as d`, `from e.f import g`), in order, each once. */
export function importedModules(code: string): string[] {
  const names = new Set<string>();
  for (const m of code.matchAll(/^[ \t]*import[ \t]+([^\n#;]+)/gm))
    for (const part of m[1]!.split(',')) names.add(part.trim().split(/[\s.]/)[0]!);
  for (const m of code.matchAll(/^[ \t]*from[ \t]+([A-Za-z_]\w*)/gm)) names.add(m[1]!);
  names.delete('');
  return [...names];
}

/** Modules that come only from a Pyodide distribution (Matplotlib's closure), not from the core. */
export const DISTRIBUTION_MODULES = Object.freeze(['matplotlib', 'pylab', 'mpl_toolkits', 'numpy', 'PIL', 'contourpy', 'kiwisolver', 'fontTools', 'cycler', 'pyparsing', 'dateutil', 'pytz', 'six', 'packaging']);
