import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSettings, serialiseSettings, DEFAULT_SETTINGS } from '../../src/app/settings';

test('settings round-trip through the URL hash', () => {
  const s = { ...DEFAULT_SETTINGS, tab: 'benchmarks' as const, seed: 42, size: 128 };
  assert.deepEqual(parseSettings(serialiseSettings(s)), s);
  assert.equal(serialiseSettings(DEFAULT_SETTINGS), '');
});

test('invalid or unknown values fall back to defaults', () => {
  const s = parseSettings('#tab=nope&size=99999&seed=-3&junk=1');
  assert.deepEqual(s, DEFAULT_SETTINGS);
});

test('sampling settings: model, variant, backend, G, temperature and sampler seed round-trip', () => {
  const s = { ...DEFAULT_SETTINGS, model: 'onnx-community/Qwen2.5-Coder-0.5B-Instruct', variant: 'model_q4' as const, backend: 'wasm' as const, g: 16, temperature: 0.7, sampleSeed: 9 };
  const hash = serialiseSettings(s);
  assert.equal(hash, '#model=onnx-community%2FQwen2.5-Coder-0.5B-Instruct&variant=model_q4&backend=wasm&g=16&temperature=0.7&sampleSeed=9');
  assert.deepEqual(parseSettings(hash), s);
  assert.deepEqual(
    { model: DEFAULT_SETTINGS.model, variant: DEFAULT_SETTINGS.variant, backend: DEFAULT_SETTINGS.backend, g: DEFAULT_SETTINGS.g, temperature: DEFAULT_SETTINGS.temperature },
    { model: 'sgp-tiny-policy', variant: 'auto', backend: 'auto', g: 8, temperature: 1 },
  );
});

test('sampling settings refuse what cannot load: encoders, bad ids, G and temperature out of range', () => {
  const s = parseSettings('#model=sgp-tiny-dino&variant=model_int3&backend=cuda&g=0&temperature=2.5&sampleSeed=1.5');
  assert.deepEqual(s, DEFAULT_SETTINGS);
  for (const bad of ['../../x', 'a/b/c', 'x'.repeat(300), 'Xenova/dinov2-small']) assert.equal(parseSettings(`#model=${encodeURIComponent(bad)}`).model, 'sgp-tiny-policy', bad);
  assert.equal(parseSettings('#temperature=').temperature, 1);
  assert.equal(parseSettings('#temperature=0').temperature, 0);
  assert.equal(parseSettings('#model=someone%2Fmy-llama').model, 'someone/my-llama');
});

test('the reward preset rides in the URL: a name, or a whole custom mix; a bad one falls back', () => {
  const custom = 'name:sgp-rl;label:SGP-RL paper;terms:siglip*0.5*rank,dino*1*raw;gates:format,no-text';
  for (const reward of ['clip-only', custom]) {
    const s = { ...DEFAULT_SETTINGS, reward };
    assert.deepEqual(parseSettings(serialiseSettings(s)), s);
  }
  assert.equal(DEFAULT_SETTINGS.reward, 'sgp-rl');
  assert.equal(serialiseSettings({ ...DEFAULT_SETTINGS, reward: 'clip-only' }), '#reward=clip-only');
  for (const bad of ['clip', 'name:x;terms:siglip*-1*raw', 'name:x;terms:nope*1*raw']) assert.equal(parseSettings(`#reward=${encodeURIComponent(bad)}`).reward, 'sgp-rl', bad);
});

test('Train settings round-trip and refuse what the run cannot use', () => {
  const s = { ...DEFAULT_SETTINGS, tab: 'train' as const, rlSource: 'typed' as const, rlPrompts: 'a red circle\ntwo blue squares', rlSplit: 'heldout' as const, rlPreset: 'sgp-rl', rlSteps: 5, rlLr: 0.001, rlGroup: 4, rlObjective: 'dr-grpo' as const, rlKl: 0.04, rlSeed: 3 };
  assert.deepEqual(parseSettings(serialiseSettings(s)), s);
  const custom = 'name:custom;label:mine;terms:verifier*1*raw,length*0.1*raw;gates:format';
  assert.equal(parseSettings(`#rlPreset=${encodeURIComponent(custom)}`).rlPreset, custom);
  const bad = parseSettings('#rlPreset=clip&rlGroup=9&rlLr=0.5&rlSplit=nope&rlSteps=0');
  assert.deepEqual([bad.rlPreset, bad.rlGroup, bad.rlLr, bad.rlSplit, bad.rlSteps], ['verifiable', 8, DEFAULT_SETTINGS.rlLr, 'compositional', 30]);
});
