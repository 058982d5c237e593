// The GRPO mirror's reward process (training/policy/reward_server.ts) must give the tab's numbers: the same
// prompts as `npm run rl` and the `verifiable` preset with its gates, through the app's render path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { heldOutPrompts, worldPrompts, TRAIN_STREAM } from '../../../src/lib/rl/prompts';

test('reward server: the run\'s prompts; a world drawing scores 1, a blank canvas and text are gated to 0', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'training/policy/reward_server.ts', '--preset', 'verifiable'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const ask = async (req: unknown) => {
    child.stdin!.write(JSON.stringify(req) + '\n');
    return JSON.parse((await lines.next()).value as string);
  };
  try {
    const sets = await ask({ op: 'prompts', split: 'compositional', seed: 2, pool: 8, heldout: 16 });
    assert.deepEqual(sets.train.map((p: { prompt: string }) => p.prompt), worldPrompts('compositional', 8, 2, TRAIN_STREAM).map((p) => p.prompt));
    const held = heldOutPrompts('compositional', 16);
    assert.deepEqual(sets.heldout.map((p: { id: string }) => p.id), held.map((p) => p.id));
    assert.equal(new Set(sets.heldout.map((p: { category: string }) => p.category)).size, 7, 'the compositional categories, round-robin');

    const blank = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 256 256"></svg>';
    const text = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 256 256"><text x="10" y="100">a red sun</text></svg>';
    const r = await ask({ op: 'score', set: 'heldout', i: 0, programs: [held[0]!.reference, blank, text, 'no program'] });
    assert.deepEqual(r.rewards, [1, 0, 0, 0]);
    assert.deepEqual(r.gated, [null, 'not-blank', 'no-text', 'format']);
    assert.deepEqual(r.valid, [true, true, true, false]);
    assert.deepEqual(r.failed[0], []);
    const bad = await ask({ op: 'score', set: 'nope', i: 0, programs: [] });
    assert.match(bad.error, /no prompt 0 in set 'nope'/);
  } finally {
    child.stdin!.end();
  }
});
