import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Cross-origin isolation: WASM threads (onnxruntime-web) need SharedArrayBuffer, and Pyodide's
// interrupt buffer needs it too. Both dev and preview must send these headers; a plain static host
// gets them from coi-serviceworker (below).
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * Ships coi-serviceworker from node_modules as `coi-serviceworker.js` beside index.html, so its scope
 * is the whole site; src/isolation.ts registers it where the host sends no COOP/COEP. From this
 * origin, never a CDN: the CSP allows only this site's scripts and workers.
 */
function coiServiceWorker(): Plugin {
  return {
    name: 'coi-serviceworker',
    apply: 'build',
    generateBundle() {
      const source = readFileSync(createRequire(import.meta.url).resolve('coi-serviceworker/coi-serviceworker.min.js'), 'utf8');
      this.emitFile({ type: 'asset', fileName: 'coi-serviceworker.js', source });
    },
  };
}

/** The Pyodide core that npm ships; packages (matplotlib…) come from elsewhere (see README). */
const PYODIDE_CORE = ['pyodide.asm.mjs', 'pyodide.asm.wasm', 'python_stdlib.zip', 'pyodide-lock.json'];

/**
 * Self-hosts the Pyodide core from node_modules under `pyodide-core/`: the python worker loads it
 * from this origin (the CSP and offline use allow nothing else). `public/pyodide/` is left to the
 * vendored package distribution.
 */
function pyodideCore(): Plugin {
  const dir = dirname(createRequire(import.meta.url).resolve('pyodide/pyodide.mjs'));
  return {
    name: 'pyodide-core',
    configureServer(server) {
      server.middlewares.use('/pyodide-core', (req, res, next) => {
        const name = (req.url ?? '').split('?')[0]!.replace(/^\//, '');
        if (!PYODIDE_CORE.includes(name)) return next();
        const type = name.endsWith('.wasm') ? 'application/wasm' : name.endsWith('.mjs') ? 'text/javascript' : name.endsWith('.json') ? 'application/json' : 'application/zip';
        res.setHeader('Content-Type', type);
        res.end(readFileSync(join(dir, name)));
      });
    },
    generateBundle() {
      for (const name of PYODIDE_CORE) this.emitFile({ type: 'asset', fileName: `pyodide-core/${name}`, source: readFileSync(join(dir, name)) });
    },
  };
}

/**
 * The dev server injects each module's CSS as a <style> element (that is how it hot-reloads styles),
 * which `style-src 'self'` refuses. Widen style-src for `vite` only; the built site keeps the
 * policy exactly as written in the HTML, where Svelte's CSS is one external stylesheet.
 */
function devInlineStyles(): Plugin {
  return {
    name: 'csp-dev-inline-styles',
    apply: 'serve',
    transformIndexHtml(html, ctx) {
      const widened = html.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");
      if (widened === html) throw new Error(`${ctx.path}: its Content-Security-Policy has no "style-src 'self'" to widen for the dev server`);
      return widened;
    },
  };
}

export default defineConfig({
  plugins: [svelte(), coiServiceWorker(), pyodideCore(), devInlineStyles()],
  base: './',
  server: { headers: isolation },
  preview: { headers: isolation },
  worker: { format: 'es' },
  // These ship their own .wasm/.mjs loaders that Vite's pre-bundler would break.
  optimizeDeps: { exclude: ['pyodide', 'onnxruntime-web', '@resvg/resvg-wasm'] },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    // headless.html exposes the same pipeline code to the CLI, benchmarks and browser tests.
    rollupOptions: { input: { main: 'index.html', headless: 'headless.html' } },
  },
});
