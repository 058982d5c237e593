// `npm run eval --checkpoint DIR` end to end: a PEFT adapter folder (written by the app's own exporter,
// toPeftAdapter, as trainer.exportAdapter does) is read by the CLI, imported by the page into a learner
// and sampled through the fp32 LoRA graph. The no-op adapter (lora_init: B = 0) is the base policy;
// a changed LoRA samples other programs at the same seed. Missing or corrupt files are refused by name.
// The Evaluate page lists a checkpoint the learner saved (IndexedDB) and evaluates it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors } from '../../src/lib/models/safetensors';
import { toPeftAdapter, type LoraSpec } from '../../src/lib/rl/peft';
import type { PlainTensor } from '../../src/lib/models/backend';
import { openHeadless, openSession } from '../../scripts/lib/browser';
import type { HeadlessApi } from '../../src/headless';

type Line = Record<string, any>;
const evalCli = (...args: string[]) => {
  const r = spawnSync('node', ['--import', 'tsx', 'scripts/cli.ts', 'eval', ...args], { encoding: 'utf8' });
  const lines = r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
  return { status: r.status, stderr: r.stderr, lines, summary: lines.at(-1)! };
};
const dir = mkdtempSync(join(tmpdir(), 'sgp-eval-ckpt-'));
const folder = 'public/models/sgp-tiny-policy';
const manifest = JSON.parse(readFileSync(join(folder, 'train_step.json'), 'utf8')) as { lora: { rank: number; alpha: number; targets: string[] } };
const init = readSafetensors(new Uint8Array(readFileSync(join(folder, 'lora_init.safetensors'))));
const spec: LoraSpec = { ...manifest.lora, shapes: Object.fromEntries(Object.entries(init).map(([n, t]) => [n, t.dims])), baseModel: 'sgp-tiny-policy' };

function writeAdapter(name: string, lora: Record<string, PlainTensor>): string {
  const out = join(dir, name);
  mkdirSync(out);
  const files = toPeftAdapter(lora, spec);
  writeFileSync(join(out, 'adapter_config.json'), files['adapter_config.json']);
  writeFileSync(join(out, 'adapter_model.safetensors'), files['adapter_model.safetensors']);
  return out;
}

/** lora_init with every B filled (a fixed pseudo-random pattern): an adapter that changes the policy. */
function changed(): Record<string, PlainTensor> {
  let s = 12345;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32 - 0.5) * 0.4;
  return Object.fromEntries(Object.entries(init).map(([n, t]) => [n, n.endsWith('lora_B') ? { ...t, data: Float32Array.from(t.data as Float32Array, next) } : t]));
}

const run = (adapter: string, out: string) =>
  evalCli('--bench', 'minibench:object', '--checkpoint', adapter, '--limit', '1', '--samples', '2', '--max-new-tokens', '24', '--seed', '3', '--out', out);

test('a LoRA checkpoint samples through the fp32 LoRA graph: the source names it, and it differs from the base policy at the same seed', () => {
  const base = run(writeAdapter('base-adapter', init), join(dir, 'base.json'));
  assert.equal(base.status, 0, base.stderr + JSON.stringify(base.summary));
  const tuned = run(writeAdapter('tuned-adapter', changed()), join(dir, 'tuned.json'));
  assert.equal(tuned.status, 0, tuned.stderr + JSON.stringify(tuned.summary));
  assert.equal(tuned.summary.source, 'checkpoint tuned-adapter (sgp-tiny-policy + LoRA)');
  assert.equal(base.summary.samples, 2);
  assert.equal(tuned.summary.samples, 2);
  const outputs = (f: string) => (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { source: string; items: { samples: { output: string }[] }[] });
  const [a, b] = [outputs('base.json'), outputs('tuned.json')];
  assert.equal(b.source, tuned.summary.source);
  const pa = a.items.flatMap((it) => it.samples.map((s) => s.output));
  const pb = b.items.flatMap((it) => it.samples.map((s) => s.output));
  assert.equal(pa.length, 2);
  assert.ok(pa.every((p) => p.length > 0), 'the base policy sampled programs');
  assert.notDeepEqual(pb, pa, 'the changed LoRA sampled the same programs as the base policy');
});

test('a missing or corrupt adapter is refused, naming the file and what is wrong', () => {
  const files = toPeftAdapter(init, spec);
  const good = Buffer.from(files['adapter_model.safetensors']);
  const config = JSON.parse(files['adapter_config.json']) as Record<string, unknown>;
  const cases: [string, Record<string, string | Buffer>, RegExp][] = [
    ['no-config', { 'adapter_model.safetensors': good }, /cannot read adapter_config\.json/],
    ['bad-json', { 'adapter_config.json': '{"peft_type": "LORA", r: 8', 'adapter_model.safetensors': good }, /adapter_config\.json is not JSON/],
    ['truncated', { 'adapter_config.json': files['adapter_config.json'], 'adapter_model.safetensors': good.subarray(0, 4000) }, /adapter_model\.safetensors is not a readable safetensors file/],
    // well-formed files of another rank: the page refuses them when it imports the adapter
    ['rank-4', { 'adapter_config.json': JSON.stringify({ ...config, r: 4, lora_alpha: 8 }), 'adapter_model.safetensors': good }, /checkpoint rank-4 is not a LoRA adapter for sgp-tiny-policy: adapter has r = 4, lora_alpha = 8; this policy's graphs take r = 8, lora_alpha = 16/],
  ];
  for (const [name, files, message] of cases) {
    const d = join(dir, name);
    mkdirSync(d);
    for (const [f, bytes] of Object.entries(files)) writeFileSync(join(d, f), bytes);
    const r = evalCli('--bench', 'minibench:object', '--checkpoint', d, '--limit', '1');
    assert.equal(r.status, 1, `${name}: ${JSON.stringify(r.summary)}`);
    assert.equal(r.summary.ok, false);
    assert.match(r.summary.error, message, name);
  }
});

test('the Evaluate page lists a saved checkpoint and evaluates it', { timeout: 300_000 }, async () => {
  const session = await openSession();
  try {
    // The learner saves a checkpoint of the changed LoRA, as the Train page does after a step.
    const page = await openHeadless(session);
    const lora = Object.fromEntries(Object.entries(changed()).map(([n, t]) => [n, { dims: t.dims, data: Array.from(t.data as Float32Array) }]));
    const step = await page.evaluate(async (l) => {
      const { sgp } = window as unknown as { sgp: HeadlessApi };
      await sgp.trainerInit({ lora: l });
      return sgp.trainerCheckpoint('ckpt-page');
    }, lora);
    await page.goto(new URL('index.html#tab=evaluate', session.baseUrl).href); // same origin and context: same IndexedDB
    await page.waitForSelector('[data-testid=eval-bench] option[value="minibench:object"]', { state: 'attached' });
    await page.selectOption('[data-testid=eval-bench]', 'minibench:object');
    await page.selectOption('[data-testid=eval-source]', 'checkpoint');
    await page.waitForSelector('[data-testid=eval-checkpoint] option[value="ckpt-page"]', { state: 'attached' });
    assert.equal(await page.inputValue('[data-testid=eval-checkpoint]'), 'ckpt-page');
    await page.fill('[data-testid=eval-samples]', '2');
    await page.fill('[data-testid=eval-limit]', '1');
    await page.click('[data-testid=eval-run]');
    await page.waitForSelector('[data-testid=eval-progress][data-phase=done], [data-testid=eval-error]', { timeout: 240_000 });
    assert.equal(await page.$('[data-testid=eval-error]'), null, (await page.textContent('[data-testid=eval-error]').catch(() => '')) ?? '');
    assert.equal(await page.getAttribute('[data-testid=eval-progress]', 'data-done'), '1');
    const row = (await page.textContent('[data-testid=eval-run-row]')) ?? '';
    assert.match(row, new RegExp(`checkpoint ckpt-page step ${step} \\(sgp-tiny-policy \\+ LoRA\\)`));
  } finally {
    await session.close();
  }
});
