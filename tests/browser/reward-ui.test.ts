// The Playground's reward UI in a real page: an uploaded reference image, the reward-hack demo group and
// the editor's program scored through the page, then the same inputs through `npm run score` give the
// same numbers. Switching the preset and moving a slider re-rank the group without re-scoring; the
// preset rides in the URL. The hack: the prompt written as text beats a blank canvas under clip-only,
// and gets 0 under sgp-rl, below a faithful drawing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { Resvg } from '@resvg/resvg-js';
import { openSession, type Session } from '../../scripts/lib/browser';
import { TERM_IDS } from '../../src/lib/reward/terms';

const PROMPT = 'a red circle above a blue square';
const FAITHFUL = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 256 256"><circle cx="128" cy="70" r="45" fill="#e53935"/><rect x="83" y="140" width="90" height="90" fill="#1e88e5"/></svg>';
const dir = mkdtempSync(join(tmpdir(), 'reward-ui-'));
// A landscape PNG, so the upload is letterboxed like the CLI's --reference.
const REFERENCE = join(dir, 'reference.png');
writeFileSync(REFERENCE, new Resvg('<svg xmlns="http://www.w3.org/2000/svg" width="192" height="128"><circle cx="96" cy="40" r="30" fill="#e53935"/><rect x="66" y="76" width="60" height="48" fill="#1e88e5"/></svg>').render().asPng());

interface Card { i: number; label: string; program: string; reward: number; rank: number; gatedBy: string; terms: Record<string, number | null> }

let session: Session;
let page: Page;
before(async () => {
  session = await openSession();
  page = await session.newPage('index.html#backend=wasm');
});
after(async () => session?.close());

/** Waits until the group of `n` cards is scored; a scoring error fails with its text. */
async function waitForScores(n: number): Promise<void> {
  await page.waitForFunction((n) => {
    const phase = document.querySelector('[data-testid=reward-status]')?.getAttribute('data-phase');
    return phase === 'error' || (phase === 'done' && document.querySelectorAll('[data-testid=card-score]').length === n);
  }, n, { timeout: 180_000 });
  const error = await page.locator('[data-testid=reward-error]').textContent({ timeout: 1 }).catch(() => null);
  assert.equal(error, null, `scoring failed: ${error}`);
}

/** Every card in sample order: what it shows of its reward, and every term's full value. */
async function readCards(): Promise<Card[]> {
  const cards = await page.$$eval('[data-testid=sample-card]', (els) => els.map((el) => {
    const score = el.querySelector('[data-testid=card-score]')!;
    const terms: Record<string, number | null> = {};
    for (const row of el.querySelectorAll('[data-term]')) {
      const v = row.getAttribute('data-value')!;
      terms[row.getAttribute('data-term')!] = v === 'null' ? null : Number(v);
    }
    return {
      i: Number(el.getAttribute('data-i')),
      label: el.querySelector('[data-testid=card-label]')?.textContent ?? '',
      program: el.querySelector('[data-testid=card-program]')?.textContent ?? '',
      reward: Number(score.getAttribute('data-reward')),
      rank: Number(score.getAttribute('data-rank')),
      gatedBy: score.getAttribute('data-gated-by') ?? '',
      terms,
    };
  }));
  return cards.sort((a, b) => a.i - b.i);
}

const byLabel = (cards: Card[], label: string): Card => cards.find((c) => c.label === label) ?? assert.fail(`no card '${label}' in ${cards.map((c) => c.label)}`);

test('an uploaded reference, the hack demo and the editor program score the same in the page as through npm run score', async () => {
  await page.fill('[data-testid=sample-prompt]', PROMPT);
  // Not an image: refused by its first bytes, saying what would do.
  await page.setInputFiles('[data-testid=reward-upload]', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('a red circle') });
  await page.waitForSelector('[data-testid=reward-error]', { timeout: 180_000 });
  assert.match((await page.textContent('[data-testid=reward-error]')) ?? '', /^notes\.txt is not a PNG, JPEG, GIF or WebP image/);
  assert.equal(await page.getAttribute('[data-testid=reward-reference]', 'data-kind'), 'world', 'a refused upload leaves the reference as it was');
  await page.setInputFiles('[data-testid=reward-upload]', REFERENCE);
  await page.waitForSelector('[data-testid=reward-reference][data-kind=upload]', { timeout: 180_000 });
  await page.click('[data-testid=reward-demo]');
  await waitForScores(3);
  await page.fill('[data-testid=editor]', FAITHFUL);
  await page.click('[data-testid=reward-add-editor]');
  await waitForScores(4);
  const cards = await readCards();
  assert.deepEqual(cards.map((c) => c.label), ['prompt as text', 'blank canvas', 'every colour', 'editor']);
  assert.equal(byLabel(cards, 'editor').program, FAITHFUL);

  const files = cards.map((c) => {
    const file = join(dir, `card-${c.i}.svg`);
    writeFileSync(file, c.program);
    return file;
  });
  const r = spawnSync('node', ['--import', 'tsx', 'scripts/cli.ts', 'score', '--prompt', PROMPT, '--reference', REFERENCE, ...files.flatMap((f) => ['--file', f])], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr + r.stdout.slice(-800));
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { reward: number; rank: number; gated_by: string | null; terms: Record<string, { value: number | null }> });
  assert.equal(lines.length, 5);
  for (const [k, card] of cards.entries()) {
    const cli = lines[k]!;
    for (const id of TERM_IDS) assert.equal(card.terms[id], cli.terms[id]!.value, `${card.label}: ${id} in the page vs the CLI`);
    assert.equal(card.reward, cli.reward, `${card.label}: reward`);
    assert.equal(card.rank, cli.rank, `${card.label}: rank`);
    assert.equal(card.gatedBy, cli.gated_by ?? '', `${card.label}: gate`);
  }
  // The uploaded image is the DINO reference: the faithful drawing matches it far better than a blank canvas.
  assert.ok(byLabel(cards, 'editor').terms.dino! > byLabel(cards, 'blank canvas').terms.dino! + 0.2, JSON.stringify(cards.map((c) => [c.label, c.terms.dino])));
});

test('the hack: text beats blank under clip-only; under sgp-rl it gets 0 (gated by no-text), below the faithful drawing', async () => {
  // Preset switches and slider moves only re-compose: the scoring status must not change meanwhile.
  await page.evaluate(() => {
    const w = window as unknown as { rescored: number };
    w.rescored = 0;
    new MutationObserver(() => void w.rescored++).observe(document.querySelector('[data-testid=reward-status]')!, { attributes: true, attributeFilter: ['data-phase'] });
  });
  const sgp = await readCards();
  assert.equal(byLabel(sgp, 'prompt as text').reward, 0);
  assert.equal(byLabel(sgp, 'prompt as text').gatedBy, 'no-text');
  assert.ok(byLabel(sgp, 'editor').reward > 0);
  assert.equal(byLabel(sgp, 'editor').rank, 1);

  await page.selectOption('[data-testid=reward-preset]', 'clip-only');
  await page.waitForFunction(() => location.hash.includes('reward=clip-only'));
  const clip = await readCards();
  assert.ok(byLabel(clip, 'prompt as text').reward > byLabel(clip, 'blank canvas').reward, JSON.stringify(clip.map((c) => [c.label, c.reward])));
  assert.ok(byLabel(clip, 'prompt as text').rank < byLabel(clip, 'blank canvas').rank);
  for (const c of clip) assert.equal(c.reward, c.terms.siglip, `${c.label}: clip-only is SigLIP alone`);
  const order = await page.$$eval('[data-testid=sample-card]', (els) => els.map((el) => Number(el.querySelector('[data-testid=card-score]')!.getAttribute('data-rank'))));
  assert.deepEqual(order, [...order].sort((a, b) => a - b), 'the grid is ordered by reward');

  // A DINO weight of 0.5 joins the mix: the reward is the weighted mean, and the link carries it.
  await page.locator('[data-testid=reward-term][data-term=dino] [data-testid=reward-weight]').fill('0.5');
  await page.waitForFunction(() => decodeURIComponent(location.hash).includes('dino*0.5*raw'));
  const mixed = await readCards();
  for (const c of mixed) assert.ok(Math.abs(c.reward - (c.terms.siglip! + 0.5 * c.terms.dino!) / 1.5) < 1e-12, `${c.label}: ${c.reward}`);
  // A clamp starts on the range the group spans: it spreads SigLIP over [0, 1] instead of zeroing it.
  await page.locator('[data-testid=reward-term][data-term=siglip] [data-testid=reward-transform]').selectOption('clamp');
  await page.waitForFunction(() => /siglip\*1\*clamp\(/.test(decodeURIComponent(location.hash)));
  const [lo, hi] = /siglip\*1\*clamp\(([\d.]+),([\d.]+)\)/.exec(decodeURIComponent(new URL(page.url()).hash))!.slice(1).map(Number) as [number, number];
  const sig = (await readCards()).map((c) => c.terms.siglip!);
  assert.ok(lo <= Math.min(...sig) && Math.min(...sig) - lo < 0.01 && hi >= Math.max(...sig) && hi - Math.max(...sig) < 0.01, `clamp(${lo}, ${hi}) for SigLIP ${sig}`);
  for (const c of await readCards()) {
    const clamped = Math.min(1, Math.max(0, (c.terms.siglip! - lo) / (hi - lo)));
    assert.ok(Math.abs(c.reward - (clamped + 0.5 * c.terms.dino!) / 1.5) < 1e-12, `${c.label}: ${c.reward}`);
  }
  assert.equal(await page.evaluate(() => (window as unknown as { rescored: number }).rescored), 0, 'a preset change re-scored the group');

  const shared = await session.newPage(new URL(page.url()).hash.replace(/^/, 'index.html'));
  assert.equal(await shared.inputValue('[data-testid=reward-term][data-term=dino] [data-testid=reward-weight]'), '0.5');
  assert.equal(await shared.textContent('[data-testid=reward-modified]'), 'modified');
  await shared.close();
});
