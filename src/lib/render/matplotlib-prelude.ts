// The trusted Python the worker runs around Matplotlib programs (see /work/briefs/pyworker-api.md):
// matplotlibSetup() once per fresh worker, before lock-down; figureEpilogue(size) after each program, in
// its namespace. Together they keep every figure inside the pixel budget and hand back the figure the
// program made, drawn by Agg at the app's render size as raw RGBA (no PNG encode or decode).
import { MAX_FIGURE_PIXELS } from '../program/python';

/** The file name the worker compiles programs under (src/lib/render/python/driver.ts, branch i-pyworker). */
export const PROGRAM_FILENAME = '<program>';

/**
 * - MPLBACKEND=Agg: Pyodide 314 patches Matplotlib's default backend to draw into the DOM, which a
 *   worker has none of.
 * - Every Agg canvas is checked when it is allocated, before anything is drawn on it: that covers
 *   show-less drawing, savefig at any dpi, bbox_inches='tight' and buffer_rgba alike. A program can
 *   undo the hook (it runs in the same interpreter): the hook gives honest programs a clear refusal; the
 *   worker's heap cap and deadline are what stop hostile ones.
 * - savefig marks the figure to render: a program that saves figure 2 and leaves figure 3 open is
 *   scored on figure 2, as the file it wrote would be.
 * - Each program starts with no figures. The epilogue closes them after a program that ran through,
 *   but a failed one skips it, and pyplot's registry is a class attribute the worker cannot restore.
 *   An audit hook on the `exec` of the program's code object (the worker compiles it as
 *   PROGRAM_FILENAME) closes them first: a prologue that needs nothing from the worker.
 */
export function matplotlibSetup(packageBaseUrl: string): string {
  return String.raw`
import os, sys, types
os.environ['MPLBACKEND'] = 'Agg'
try:
    import matplotlib
except ModuleNotFoundError:
    # loadPackage reports failure by returning fewer packages, not by raising: say where it looked.
    raise ImportError(${JSON.stringify(`Matplotlib did not load from ${packageBaseUrl} (offline, a wheel missing there, or a sha256 that does not match the lockfile)`)}) from None
matplotlib.use('Agg')
import matplotlib.pyplot
from matplotlib import _pylab_helpers
from matplotlib.figure import Figure
from matplotlib.backends import backend_agg

def _install(max_pixels, program_filename):
    state = types.ModuleType('_sgp_figure')
    state.saved = None

    def fresh_figures(event, args):
        if event == 'exec' and args and getattr(args[0], 'co_filename', None) == program_filename:
            state.saved = None
            _pylab_helpers.Gcf.destroy_all()
    sys.addaudithook(fresh_figures)

    agg_init = backend_agg.RendererAgg.__init__
    def checked_agg_init(self, width, height, dpi):
        if float(width) * float(height) > max_pixels:
            raise ValueError(
                f"a {width / dpi:g} × {height / dpi:g} in figure at {dpi:g} dpi is {int(width)} × {int(height)} px; "
                f"at most {max_pixels:,} px are drawn (about 2896 × 2896): lower figsize or dpi")
        agg_init(self, width, height, dpi)
    backend_agg.RendererAgg.__init__ = checked_agg_init

    savefig = Figure.savefig
    def recorded_savefig(self, *args, **kwargs):
        state.saved = self
        return savefig(self, *args, **kwargs)
    Figure.savefig = recorded_savefig

    def collect(size):
        """(width, height, RGBA bytes) of the saved or current figure drawn at size px on its longer side, or None."""
        plt = matplotlib.pyplot
        fig = state.saved
        state.saved = None
        if fig is None and plt.get_fignums():
            fig = plt.gcf()
        try:
            if fig is None:
                return None
            w_in, h_in = (float(v) for v in fig.get_size_inches())
            asked = w_in * h_in * float(fig.dpi) ** 2
            if not asked <= max_pixels:
                raise ValueError(
                    f"the figure is {w_in:g} × {h_in:g} in at {float(fig.dpi):g} dpi = {w_in * fig.dpi:.0f} × {h_in * fig.dpi:.0f} px; "
                    f"at most {max_pixels:,} px are drawn (about 2896 × 2896): lower figsize or dpi")
            # +0.5: Agg truncates the canvas size, so the longer side lands on size exactly.
            dpi = (size + 0.5) / max(w_in, h_in)
            if int(w_in * dpi) < 1 or int(h_in * dpi) < 1:
                raise ValueError(f"the figure is {w_in:g} × {h_in:g} in: too thin to draw at {size} px")
            fig.set_dpi(dpi)
            if not isinstance(fig.canvas, backend_agg.FigureCanvasAgg):
                backend_agg.FigureCanvasAgg(fig)  # a Figure() made without pyplot has no Agg canvas yet
            fig.canvas.draw()
            rgba = fig.canvas.buffer_rgba()
            height, width = rgba.shape[0], rgba.shape[1]
            return (width, height, bytes(rgba))
        finally:
            plt.close('all')

    state.collect = collect
    sys.modules['_sgp_figure'] = state

_install(${MAX_FIGURE_PIXELS}, ${JSON.stringify(PROGRAM_FILENAME)})
del _install
`;
}

/** Run in the program's namespace after it ends: leaves `__sgp_figure__` only when there is a figure. */
export function figureEpilogue(size: number): string {
  if (!Number.isInteger(size) || size < 8 || size > 4096) throw new Error(`render size must be an integer from 8 to 4096 px, got ${size}`);
  return `__sgp_figure__ = __import__('_sgp_figure').collect(${size})\nif __sgp_figure__ is None:\n    del __sgp_figure__\n`;
}
