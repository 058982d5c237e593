// Decode speed of policy variants in onnxruntime-web's WASM backend, in Node: a prefill of one prompt
// per row, then N greedy steps with the KV cache fed back (no early stop), at each batch size. The card's
// tok/s column; Chromium numbers (npm run bench) differ by the browser's WASM engine, not by the graph.
// With --sampler, the app's sampler (src/lib/policy: temperature 1, log-probs, text streams) decodes the
// same number of tokens on the same session, so `sampler_vs_bare` is what the sampler costs over ORT.
//
//   node --import tsx training/policy/speed_wasm.ts [--threads 1] [--batch 1,8] [--new-tokens 100] [--repeats 3] \
//     [--sampler] [--cache-lengths 16,128,384] onnx/model.onnx onnx/model_quantized.onnx
// --cache-lengths: instead, the CPU ms of one decode step per batch size at each cache length (best of
// --repeats interleaved rounds): where the step's cost grows with the cache.
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-web/wasm'; // the build src/lib/models/backend.ts loads for WASM: one Tensor class
import { configure, createSession } from '../../src/lib/models/backend';
import { TextTokenizer } from '../../src/lib/models/tokenizer';
import { decoderFor } from '../../src/lib/policy/cache-decoder';
import { decoderShape } from '../../src/lib/policy/onnx-decoder';
import { argmax } from '../../src/lib/policy/sampling';
import { DEFAULT_SAMPLE_PARAMS, generate } from '../../src/lib/policy/sampler';

const { values: opt, positionals: files } = parseArgs({
  options: {
    model: { type: 'string', default: 'public/models/sgp-tiny-policy' },
    threads: { type: 'string', default: '2' },
    batch: { type: 'string', default: '1,8' },
    'new-tokens': { type: 'string', default: '100' },
    repeats: { type: 'string', default: '2' },
    sampler: { type: 'boolean', default: false },
    'cache-lengths': { type: 'string', default: '' },
  },
  allowPositionals: true,
});
configure({ threads: Number(opt.threads) });
ort.env.wasm.numThreads = Number(opt.threads);
const cfg = JSON.parse(readFileSync(join(opt.model, 'config.json'), 'utf8')) as Record<string, number>;
const L = cfg.num_hidden_layers as number;
const H = cfg.num_key_value_heads as number;
const HD = (cfg.hidden_size as number) / (cfg.num_attention_heads as number);
const V = cfg.vocab_size as number;
const PROMPT = [3, 200, 300, 400, 500, 600, 700, 800, 4]; // any ids: speed does not depend on them


/** External data the graph names, read from beside it (model.onnx shares policy_weights.onnx_data). */
function externalData(path: string): { path: string; data: Uint8Array }[] {
  const data = join(dirname(path), 'policy_weights.onnx_data');
  return readFileSync(path).includes('policy_weights.onnx_data') && existsSync(data) ? [{ path: 'policy_weights.onnx_data', data: readFileSync(data) }] : [];
}

/** tok/s over wall-clock time and over this process's CPU time (all its threads): on a loaded machine the
 * second one stays put while the first drops with every other process that wants a core. Greedy steps
 * through the graph's own cache adapter (src/lib/policy: present fed back, or the cache kept in JS). */
async function decode(sess: ort.InferenceSession, B: number, steps: number): Promise<{ wall: number; cpu: number }> {
  const graph = decoderFor(sess, decoderShape(cfg as never), loraFeeds(sess));
  let { logits, cache } = await graph.forward({ ids: Array.from({ length: B }, () => PROMPT).flat(), rows: B, pastLength: 0, past: null });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let s = 0; s < steps; s++) {
    const next: number[] = [];
    for (let b = 0; b < B; b++) next.push(argmax(logits.subarray(b * V, (b + 1) * V)));
    ({ logits, cache } = await graph.forward({ ids: next, rows: B, pastLength: PROMPT.length + s, past: cache }));
  }
  const c = process.cpuUsage(c0);
  return { wall: (B * steps) / ((performance.now() - t0) / 1000), cpu: (B * steps) / ((c.user + c.system) / 1e6) };
}

/**
 * CPU ms of one B-row decode step with `T` positions already cached (random cache, all slots filled): how
 * the step's cost grows with the cache. The same feeds suit both layouts (a cache-outside graph reads the
 * fed cache as `T` filled slots).
 */
async function stepCost(sess: ort.InferenceSession, B: number, T: number, runs = 8): Promise<number> {
  const i64 = (n: number, v: (i: number) => number, dims: number[]) => new ort.Tensor('int64', BigInt64Array.from({ length: n }, (_, i) => BigInt(v(i))), dims);
  const feeds: Record<string, ort.Tensor> = { input_ids: i64(B, (i) => 100 + i, [B, 1]), attention_mask: i64(B * (T + 1), () => 1, [B, T + 1]), position_ids: i64(B, () => T, [B, 1]) };
  for (let l = 0; l < L; l++) for (const kv of ['key', 'value']) feeds[`past_key_values.${l}.${kv}`] = new ort.Tensor('float32', Float32Array.from({ length: B * H * T * HD }, () => Math.random() - 0.5), [B, H, T, HD]);
  Object.assign(feeds, loraFeeds(sess));
  await sess.run(feeds);
  const c0 = process.cpuUsage();
  for (let i = 0; i < runs; i++) await sess.run(feeds);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / runs;
}
/** A LoRA graph's extra inputs (small constant matrices: speed does not depend on their values). */
const loraFeeds = (sess: ort.InferenceSession): Record<string, ort.Tensor> =>
  Object.fromEntries(sess.inputNames.filter((n) => n.includes('.lora_')).map((n) => [n, new ort.Tensor('float32', new Float32Array(loraShape(n).reduce((a, b) => a * b, 1)).fill(0.01), loraShape(n))]));
const loraShape = (n: string): number[] => {
  const F = cfg.intermediate_size as number;
  const D = cfg.hidden_size as number;
  const out = /gate_proj|up_proj/.test(n) ? F : D;
  return n.endsWith('lora_A') ? [n.includes('down_proj') ? F : D, 8] : [8, out];
};

/** The same count of tokens through the app's sampler (temperature 1, eos held off: every row decodes `steps`). */
const json = (name: string): unknown => JSON.parse(readFileSync(join(opt.model, name), 'utf8'));
const tokenizer = new TextTokenizer(json('tokenizer.json') as never, json('tokenizer_config.json') as never);
async function sampled(sess: ort.InferenceSession, B: number, steps: number): Promise<{ wall: number; cpu: number }> {
  const graph = decoderFor(sess, decoderShape(cfg as never), loraFeeds(sess));
  const c0 = process.cpuUsage();
  const params = { ...DEFAULT_SAMPLE_PARAMS, n: B, maxNewTokens: steps + 1, minNewTokens: steps + 1, stop: [], seed: 1 };
  const g = await generate(graph, tokenizer, PROMPT, params);
  const c = process.cpuUsage(c0);
  // tokPerS counts the decode steps after the first token, as `decode` above does
  return { wall: g.tokPerS, cpu: g.newTokens / ((c.user + c.system) / 1e6) };
}

// rounds interleave the files, so a burst of load on the shared machine hits every variant alike
const sessions = new Map<string, ort.InferenceSession>();
for (const file of files) {
  const path = resolve(opt.model, file); // relative to the model folder, or absolute
  sessions.set(file, (await createSession(readFileSync(path), 'wasm', externalData(path))).session);
}
if (opt['cache-lengths']) {
  const ms: Record<string, Record<string, number>> = Object.fromEntries(files.map((f) => [f, {}]));
  for (let r = 0; r < Number(opt.repeats); r++) {
    for (const B of opt.batch.split(',').map(Number)) {
      for (const T of opt['cache-lengths'].split(',').map(Number)) {
        for (const [file, sess] of sessions) ms[file]![`B${B}_T${T}`] = Math.min(ms[file]![`B${B}_T${T}`] ?? Infinity, +(await stepCost(sess, B, T)).toFixed(2));
      }
    }
  }
  console.log(JSON.stringify({ threads: Number(opt.threads), best_of: Number(opt.repeats), step_cpu_ms: ms }));
  process.exit(0);
}
const report: Record<string, Record<string, number>> = Object.fromEntries(files.map((f) => [f, {}]));
for (let r = 0; r < Number(opt.repeats); r++) {
  for (const B of opt.batch.split(',').map(Number)) {
    for (const [file, sess] of sessions) {
      const row = report[file] as Record<string, number>;
      const { wall, cpu } = await decode(sess, B, Number(opt['new-tokens']));
      row[`B${B}_tok_s`] = Math.max(row[`B${B}_tok_s`] ?? 0, Math.round(wall));
      row[`B${B}_tok_per_cpu_s`] = Math.max(row[`B${B}_tok_per_cpu_s`] ?? 0, Math.round(cpu));
      if (opt.sampler) {
        const s = await sampled(sess, B, Number(opt['new-tokens']));
        row[`B${B}_sampler_tok_s`] = Math.max(row[`B${B}_sampler_tok_s`] ?? 0, Math.round(s.wall));
        row[`B${B}_sampler_tok_per_cpu_s`] = Math.max(row[`B${B}_sampler_tok_per_cpu_s`] ?? 0, Math.round(s.cpu));
        row[`B${B}_sampler_vs_bare_cpu`] = +(row[`B${B}_sampler_tok_per_cpu_s`]! / row[`B${B}_tok_per_cpu_s`]!).toFixed(3);
      }
    }
  }
  console.error(JSON.stringify({ round: r + 1, tok_s: report }));
}
console.log(JSON.stringify({ threads: Number(opt.threads), new_tokens: Number(opt['new-tokens']), best_of: Number(opt.repeats), tok_s: report }));
