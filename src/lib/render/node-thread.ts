// Thin adapter: one render thread of the Node pool (render/node.ts), as workers/svg.worker.ts is
// for the browser pool. It gets the compiled resvg-wasm module and the font bytes from the pool.
import { parentPort, workerData } from 'node:worker_threads';
import { initWasm, Resvg } from '@resvg/resvg-wasm';
import { encodePng, renderWith, type PoolRenderCall, type PoolRenderResult, type ThreadReply } from './node.ts';

const port = parentPort;
if (!port) throw new Error('node-thread.ts runs as a worker thread of createRenderPool(), not as a script');
const { module, font } = workerData as { module: WebAssembly.Module; font: Uint8Array };
await initWasm(module);

port.on('message', ({ id, svg, call }: { id: number; svg: string; call: PoolRenderCall }) => {
  const result: PoolRenderResult = renderWith(Resvg, font, svg, call);
  const transfer: ArrayBuffer[] = [];
  if (result.ok) {
    if (call.png) result.png = encodePng(result.pixels);
    transfer.push(result.pixels.data.buffer as ArrayBuffer, ...(result.png ? [result.png.buffer as ArrayBuffer] : []));
  }
  port.postMessage({ id, result } satisfies ThreadReply, transfer);
});
port.postMessage({ ready: true } satisfies ThreadReply);
