// Headless hooks for Python programs rendered to pixels (part of window.sgp): the CLI's `.py` files
// and the Matplotlib browser tests. The renderer starts on first use; packages come from the site's
// pyodide/ folder when it has one (downloads from the distribution are never enabled here).
import { PythonRenderer, detectPackageSource, type PythonRender, type PythonRenderOptions } from './lib/workers/python-render';
import { encodePng, inkFraction, pixelAt } from './lib/render/canvas';

let renderer: Promise<PythonRenderer> | null = null;
const python = (): Promise<PythonRenderer> => (renderer ??= detectPackageSource(false).then((source) => new PythonRenderer(source)));

export interface HeadlessPythonRender extends Omit<PythonRender, 'pixels'> {
  width: number;
  height: number;
  samples: number[][];
  ink: number;
  png?: string;
}

export const pythonRenderHooks = {
  async renderPython(code: string, opts: PythonRenderOptions & { sample?: [number, number][]; png?: boolean } = {}): Promise<HeadlessPythonRender> {
    const { pixels, ...rest } = await (await python()).render(code, opts);
    if (!pixels) return { ...rest, width: 0, height: 0, samples: [], ink: 0 };
    return {
      ...rest,
      width: pixels.width,
      height: pixels.height,
      samples: (opts.sample ?? []).map(([x, y]) => pixelAt(pixels, x, y)),
      ink: inkFraction(pixels),
      ...(opts.png ? { png: await encodePng(pixels) } : {}),
    };
  },
  /** Starts the Python workers now, so a first program's time excludes Pyodide's start-up. */
  async renderPythonWarm(): Promise<{ source: string; matplotlib: string | null }> {
    const r = await python();
    await r.warm();
    return { source: r.source.kind, matplotlib: r.matplotlibUnavailable };
  },
};
