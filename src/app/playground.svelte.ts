// Playground state: editor text → extracted program → render → rule results. One direction only:
// the editor sets text, everything else is derived here and displayed by components.
import type { Extraction } from '../lib/program/extract';
import { prepareProgram } from '../lib/program/prepare';
import type { RenderResult } from '../lib/render/rasterize';
import { renderSvg } from '../lib/workers/svg-client';
import { evaluateRules, type RuleResult } from '../lib/reward/rules';
import type { SceneSpec } from '../lib/world';
import { verify, type SceneVerdict } from '../lib/reward/verify/verify';
import { pythonRenderer, pythonDownloadAllowed, setPythonDownloadAllowed, svgRenderer } from './services';
import { detectLanguage, extractPython, outputLine, type Language, type PythonExtraction } from '../lib/program/python';
import type { PythonRender } from '../lib/workers/python-render';

const DRAFT_KEY = 'sgp-studio.playground.draft';
/** Long enough to skip renders while typing, short enough to feel live. */
const DEBOUNCE_MS = 150;
/** Python runs take hundreds of ms and queue one behind another: wait for a pause in typing. */
const PYTHON_DEBOUNCE_MS = 600;

export const EXAMPLE = `Model output can be pasted as is — the program is extracted (last complete <svg>, inside <answer> when present).

<answer>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 256 256">
  <rect x="0" y="176" width="256" height="80" fill="#4caf50"/>
  <circle cx="200" cy="56" r="28" fill="#ffc107"/>
  <rect x="56" y="112" width="96" height="72" fill="#e53935"/>
  <polygon points="48,112 104,64 160,112" fill="#6d4c41"/>
</svg>
</answer>`;

export class PlaygroundState {
  text = $state('');
  extraction: Extraction | null = $state(null);
  /** The program actually rendered: the extracted one, repaired when it is still partial. */
  program = $state('');
  result: RenderResult | null = $state(null);
  rendering = $state(false);
  /** Rule rewards of the extracted program as written (a partial program fails well-formedness). */
  rules: RuleResult[] = $state([]);
  /** The world verifier's judgement of the render against the current prompt's spec. */
  verdict: SceneVerdict | null = $state(null);
  /** Set when the draft cannot be kept in localStorage and lives in memory only. */
  storageNote: string | null = $state(null);
  /** The program's language, detected from the text (a python fence, an <svg>, Python statements). */
  language: Language = $state('svg');
  python: PythonExtraction | null = $state(null);
  /** The Python run: stdout, stderr and the error; its pixels are also in `result`. */
  run: PythonRender | null = $state(null);
  /** The line of the editor text the Python error points at. */
  errorLine: number | null = $state(null);
  /** Why Matplotlib programs cannot run here (null: they can). */
  matplotlibNote: string | null = $state(null);
  allowDownload = $state(pythonDownloadAllowed());

  private timer: ReturnType<typeof setTimeout> | undefined;
  private generation = 0;

  constructor(
    private readonly size: () => number,
    private readonly spec: () => SceneSpec,
  ) {
    this.text = this.draft(() => localStorage.getItem(DRAFT_KEY)) ?? EXAMPLE;
    this.schedule(0);
  }

  setText(text: string): void {
    this.text = text;
    if (this.storageNote === null) this.draft(() => localStorage.setItem(DRAFT_KEY, text));
    this.schedule(detectLanguage(text) === 'python' ? PYTHON_DEBOUNCE_MS : DEBOUNCE_MS);
  }

  /** Switches downloads from the Pyodide distribution on or off, and runs the program again. */
  setAllowDownload(allowed: boolean): void {
    this.allowDownload = allowed;
    setPythonDownloadAllowed(allowed);
    this.schedule(0);
  }

  /** Some privacy modes and sandboxed frames throw on any localStorage access, and a full store
   *  throws on writes: editing goes on from memory, and the note says the draft won't survive a reload. */
  private draft<T>(access: () => T): T | undefined {
    try {
      return access();
    } catch (err) {
      const why = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      this.storageNote = `The draft is kept in memory only and will not survive a reload (localStorage: ${why.slice(0, 120)}).`;
      return undefined;
    }
  }

  rerender(): void {
    this.schedule(0);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), ms);
  }

  private async refresh(): Promise<void> {
    const generation = ++this.generation;
    this.language = detectLanguage(this.text) ?? 'svg';
    if (this.language === 'python') return this.refreshPython(generation);
    this.python = null;
    this.run = null;
    this.errorLine = null;
    const { extraction, svg: program } = prepareProgram(this.text, { prefer: 'latest' });
    this.extraction = extraction;
    this.program = program;
    if (!program) {
      this.result = null;
      this.rules = [];
      this.verdict = null;
      return;
    }
    this.rendering = true;
    const result = await renderSvg(svgRenderer(), program, { size: this.size() });
    if (generation !== this.generation) return; // a newer edit superseded this render
    this.result = result;
    this.rules = evaluateRules(extraction.svg, result.ok ? result.pixels : undefined);
    this.verdict = result.ok ? verify(this.spec(), { pixels: result.pixels, svg: extraction.svg }) : null;
    this.rendering = false;
  }

  private async refreshPython(generation: number): Promise<void> {
    const text = this.text;
    const x = extractPython(text);
    this.python = x;
    this.extraction = null;
    this.program = x.code;
    this.rules = [];
    this.verdict = null;
    if (x.kind === 'none') {
      this.result = null;
      this.run = null;
      return;
    }
    this.rendering = true;
    const renderer = await pythonRenderer();
    const run = await renderer.render(x.code, { size: this.size() });
    if (generation !== this.generation) return;
    this.run = run;
    // Known only after a first run when packages were to load but did not (offline, a wheel missing).
    this.matplotlibNote = renderer.matplotlibUnavailable;
    this.errorLine = run.error?.line ? outputLine(text, x, run.error.line) : null;
    this.result = run.pixels
      ? { ok: true, pixels: run.pixels, ms: run.ms, sourceWidth: run.pixels.width, sourceHeight: run.pixels.height }
      : run.error
        ? { ok: false, error: { code: run.error.code, message: run.error.message }, ms: run.ms }
        : null;
    this.rendering = false;
  }
}
