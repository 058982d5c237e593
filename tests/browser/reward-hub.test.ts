// Hub encoders through the reward's own path: a local server stands in for huggingface.co and serves
// the bundled encoders under the hub ids the registry lists (Xenova/siglip-base-patch16-224,
// Xenova/dinov2-small), so the registry → hub download → encoder host → scoreGroup chain for hub ids
// is exercised offline; the scores must equal those of the same files loaded as bundled models.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { openHeadless, openSession, type Session } from '../../scripts/lib/browser';
import { servePlainStatic } from '../../scripts/lib/static-server';
import type { Win } from './setup';

const HUB_IDS = { siglip: ['Xenova/siglip-base-patch16-224', 'sgp-tiny-siglip'], dino: ['Xenova/dinov2-small', 'sgp-tiny-dino'] } as const;
let dir: string;
let hub: { baseUrl: string; close(): Promise<void> };
let session: Session;
let page: Page;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sgp-reward-hub-'));
  for (const [id, bundled] of Object.values(HUB_IDS)) {
    mkdirSync(join(dir, id, 'resolve'), { recursive: true });
    symlinkSync(resolve('dist/models', bundled), join(dir, id, 'resolve', 'main'));
  }
  hub = await servePlainStatic(dir, () => ({ 'Access-Control-Allow-Origin': '*' }));
  session = await openSession();
  page = await openHeadless(session, { workers: 1 }, hub.baseUrl);
});

after(async () => {
  await session?.close();
  await hub?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('hub encoder ids load through the registry and score exactly as the same files bundled', async () => {
  const item = 'compositional-0002';
  const programs = ['<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 256 256"><circle cx="128" cy="128" r="50" fill="red"/></svg>'];
  const run = async (which: 0 | 1) => {
    const loaded = await page.evaluate(([s, d, h]) => (window as unknown as Win).sgp.encodersLoad({ siglip: s, dino: d, device: 'wasm', hub: h }), [HUB_IDS.siglip[which], HUB_IDS.dino[which], hub.baseUrl] as const);
    const scored = await page.evaluate(([i, p]) => (window as unknown as Win).sgp.scoreGroup({ item: i, programs: [...p] }), [item, programs] as const);
    return { loaded, scored };
  };
  const fromHub = await run(0);
  assert.equal(fromHub.loaded.siglip?.id, 'Xenova/siglip-base-patch16-224');
  assert.equal(fromHub.loaded.siglip?.variant, 'model_quantized', 'WASM gets the quantized default');
  assert.deepEqual(fromHub.scored.encoders, { siglip: 'Xenova/siglip-base-patch16-224', dino: 'Xenova/dinov2-small' });
  const bundled = await run(1);
  for (const t of ['siglip', 'dino'] as const) {
    const [a, b] = [fromHub.scored.samples[0]!.terms[t].value, bundled.scored.samples[0]!.terms[t].value];
    assert.ok(typeof a === 'number' && a === b, `${t}: hub ${a} vs bundled ${b}`);
  }
});
