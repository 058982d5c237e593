// Decode speed of policy variants in onnxruntime-web's WASM backend, in Node: a prefill of one prompt
// per row, then N greedy steps with the KV cache fed back (no early stop), at each batch size. The card's
// tok/s column; Chromium numbers (npm run bench) differ by the browser's WASM engine, not by the graph.
// With --sampler, the app's sampler (src/lib/policy: temperature 1, log-probs, text streams) decodes the
// same number of tokens on the same session, so `sampler_vs_bare` is what the sampler costs over ORT.
//
//   node --import tsx training/policy/speed_wasm.ts [--threads 1] [--batch 1,8] [--new-tokens 100] [--repeats 3] \
//     [--sampler] onnx/model.onnx onnx/model_quantized.onnx
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-web/wasm'; // the build src/lib/models/backend.ts loads for WASM: one Tensor class
import { configure, createSession } from '../../src/lib/models/backend';
import { TextTokenizer } from '../../src/lib/models/tokenizer';
import { decoderShape, onnxDecoder } from '../../src/lib/policy/onnx-decoder';
import { DEFAULT_SAMPLE_PARAMS, generate } from '../../src/lib/policy/sampler';

const { values: opt, positionals: files } = parseArgs({
  options: {
    model: { type: 'string', default: 'public/models/sgp-tiny-policy' },
    threads: { type: 'string', default: '2' },
    batch: { type: 'string', default: '1,8' },
    'new-tokens': { type: 'string', default: '100' },
    repeats: { type: 'string', default: '2' },
    sampler: { type: 'boolean', default: false },
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

const i64 = (xs: number[], dims: number[]): ort.Tensor => new ort.Tensor('int64', BigInt64Array.from(xs.map(BigInt)), dims);

/** External data the graph names, read from beside it (model.onnx shares policy_weights.onnx_data). */
function externalData(path: string): { path: string; data: Uint8Array }[] {
  const data = join(dirname(path), 'policy_weights.onnx_data');
  return readFileSync(path).includes('policy_weights.onnx_data') && existsSync(data) ? [{ path: 'policy_weights.onnx_data', data: readFileSync(data) }] : [];
}

/** tok/s over wall-clock time and over this process's CPU time (all its threads): on a loaded machine the
 * second one stays put while the first drops with every other process that wants a core. */
async function decode(sess: ort.InferenceSession, B: number, steps: number): Promise<{ wall: number; cpu: number }> {
  const P = PROMPT.length;
  const past: Record<string, ort.Tensor> = {};
  for (let i = 0; i < L; i++) for (const kv of ['key', 'value']) past[`past_key_values.${i}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [B, H, 0, HD]);
  let feeds: Record<string, ort.Tensor> = {
    input_ids: i64(Array.from({ length: B }, () => PROMPT).flat(), [B, P]),
    attention_mask: i64(new Array(B * P).fill(1), [B, P]),
    position_ids: i64(Array.from({ length: B }, () => PROMPT.map((_, j) => j)).flat(), [B, P]),
    ...past,
  };
  let t0 = 0;
  let c0 = process.cpuUsage();
  for (let s = 0; s <= steps; s++) {
    if (s === 1) [t0, c0] = [performance.now(), process.cpuUsage()]; // time decode steps only, not the prefill
    const out = await sess.run(feeds);
    const logits = out.logits as ort.Tensor;
    const S = logits.dims[1] as number;
    const data = logits.data as Float32Array;
    const next: number[] = [];
    for (let b = 0; b < B; b++) {
      const row = data.subarray((b * S + S - 1) * V, (b * S + S) * V);
      next.push(row.indexOf(Math.max(...row)));
    }
    const total = P + s + 1;
    feeds = { input_ids: i64(next, [B, 1]), attention_mask: i64(new Array(B * total).fill(1), [B, total]), position_ids: i64(new Array(B).fill(total - 1), [B, 1]) };
    for (const [k, v] of Object.entries(out)) if (k.startsWith('present.')) feeds[`past_key_values.${k.slice(8)}`] = v;
  }
  const c = process.cpuUsage(c0);
  return { wall: (B * steps) / ((performance.now() - t0) / 1000), cpu: (B * steps) / ((c.user + c.system) / 1e6) };
}

/** The same count of tokens through the app's sampler (temperature 1, eos held off: every row decodes `steps`). */
const json = (name: string): unknown => JSON.parse(readFileSync(join(opt.model, name), 'utf8'));
const tokenizer = new TextTokenizer(json('tokenizer.json') as never, json('tokenizer_config.json') as never);
async function sampled(sess: ort.InferenceSession, B: number, steps: number): Promise<{ wall: number; cpu: number }> {
  const graph = onnxDecoder(sess, decoderShape(cfg as never));
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
