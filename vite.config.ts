import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';

// Cross-origin isolation: WASM threads (onnxruntime-web) need SharedArrayBuffer, and Pyodide's
// interrupt buffer needs it too. Both dev and preview must send these headers; a plain static host
// gets them from the service worker (below).
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * The service worker (src/sw.ts → `sw.js` beside index.html, so its scope is the whole site) and the web
 * app manifest. src/isolation.ts registers the worker itself: the plugin's register script would be one
 * more file, and its inline variant breaks the CSP. The dev server gets no worker (`devOptions` off).
 */
const pwa = VitePWA({
  strategies: 'injectManifest',
  srcDir: 'src',
  filename: 'sw.ts',
  injectRegister: false,
  injectManifest: {
    rollupFormat: 'iife',
    // The app shell (see src/sw.ts). Models, Pyodide and onnxruntime's WASM builds are cached on first use.
    globPatterns: ['**/*.{html,js,css,wasm,ttf,json,svg}'], // + the manifest and its icons, which the plugin adds
    globIgnores: ['models/**', 'pyodide/**', 'pyodide-core/**', 'assets/ort-wasm-*.wasm'],
    // resvg's WASM is 2.5 MB, over workbox's 2 MiB default; anything larger is refused at build.
    maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
  },
  manifest: {
    name: 'SGP Studio',
    short_name: 'SGP Studio',
    description: 'Sample, render, score and train SVG programs from a small language model, in the tab and offline.',
    start_url: './',
    scope: './',
    display: 'standalone',
    theme_color: '#3157d5',
    background_color: '#ffffff',
    icons: [
      { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png' },
      { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png' },
      { src: 'icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
    ],
  },
});

/** The Pyodide core that npm ships; packages (matplotlib…) come from elsewhere (see README). */
const PYODIDE_CORE = ['pyodide.asm.mjs', 'pyodide.asm.wasm', 'python_stdlib.zip', 'pyodide-lock.json'];
const PYODIDE_DIR = dirname(createRequire(import.meta.url).resolve('pyodide/pyodide.mjs'));
const PYODIDE_VERSION = (JSON.parse(readFileSync(join(PYODIDE_DIR, 'package.json'), 'utf8')) as { version: string }).version;

/**
 * Self-hosts the Pyodide core from node_modules under `pyodide-core/`: the python worker loads it
 * from this origin (the CSP and offline use allow nothing else). `public/pyodide/` is left to the
 * vendored package distribution.
 */
function pyodideCore(): Plugin {
  return {
    name: 'pyodide-core',
    configureServer(server) {
      server.middlewares.use('/pyodide-core', (req, res, next) => {
        const name = (req.url ?? '').split('?')[0]!.replace(/^\//, '');
        if (!PYODIDE_CORE.includes(name)) return next();
        const type = name.endsWith('.wasm') ? 'application/wasm' : name.endsWith('.mjs') ? 'text/javascript' : name.endsWith('.json') ? 'application/json' : 'application/zip';
        res.setHeader('Content-Type', type);
        res.end(readFileSync(join(PYODIDE_DIR, name)));
      });
    },
    generateBundle() {
      for (const name of PYODIDE_CORE) this.emitFile({ type: 'asset', fileName: `pyodide-core/${name}`, source: readFileSync(join(PYODIDE_DIR, name)) });
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
  plugins: [svelte(), pwa, pyodideCore(), devInlineStyles()],
  // src/sw.ts names its Pyodide cache by release, so a new Pyodide replaces the cached one.
  define: { __PYODIDE_VERSION__: JSON.stringify(PYODIDE_VERSION) },
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
