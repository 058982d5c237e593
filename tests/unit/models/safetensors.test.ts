import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readSafetensors } from '../../../src/lib/models/safetensors';

test('lora_init.safetensors reads with the manifest shapes: A random, B zero (LoRA starts as a no-op)', () => {
  const lora = readSafetensors(readFileSync('public/models/sgp-tiny-policy/lora_init.safetensors'));
  const shapes = JSON.parse(readFileSync('public/models/sgp-tiny-policy/train_step.json', 'utf8')).logprob.inputs as Record<string, [string, number[]]>;
  const names = Object.keys(shapes).filter((n) => n !== 'input_ids');
  assert.deepEqual(Object.keys(lora).sort(), names.sort());
  for (const n of names) {
    const t = lora[n]!;
    assert.deepEqual(t.dims, shapes[n]![1], n);
    assert.equal(t.data.length, t.dims.reduce((a, b) => a * b, 1), n);
    const absSum = Array.from(t.data).reduce((a, v) => a + Math.abs(v), 0);
    if (n.endsWith('lora_B')) assert.equal(absSum, 0, n);
    else assert.ok(absSum > 0 && Array.from(t.data).every((v) => Math.abs(v) < 1), n);
  }
});

/** A safetensors file from a header object and a data section (the header is written as given). */
function file(header: unknown, data: number | Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const body = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}
const two = { __metadata__: { format: 'pt' }, a: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] }, b: { dtype: 'F32', shape: [1], data_offsets: [24, 28] } };

test('a well-formed file reads back its values (unaligned data, metadata ignored)', () => {
  const data = new Uint8Array(28);
  new Float32Array(data.buffer).set([1, 2, 3, 4, 5, 6, -7]);
  const t = readSafetensors(file(two, data));
  assert.deepEqual(Object.keys(t).sort(), ['a', 'b']);
  assert.deepEqual(t.a!.dims, [2, 3]);
  assert.deepEqual(Array.from(t.a!.data), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(Array.from(t.b!.data), [-7]);
});

test('a truncated file is refused, never padded with zeros', () => {
  assert.throws(() => readSafetensors(new Uint8Array([1, 2])), /file of 2 bytes is shorter than its 8-byte header length/);
  const bad = new Uint8Array(16);
  new DataView(bad.buffer).setBigUint64(0, 1000n, true);
  assert.throws(() => readSafetensors(bad), /header of 1000 bytes overruns the file \(16 bytes\)/);
  assert.throws(() => readSafetensors(file(two, 26)), /truncated: tensor "b" needs data bytes \[24, 28\), but the data section holds 26/);
  const real = readFileSync('public/models/sgp-tiny-policy/lora_init.safetensors');
  assert.throws(() => readSafetensors(real.subarray(0, real.length - 1)), /truncated: tensor ".*" needs data bytes \[\d+, \d+\), but the data section holds \d+/);
});

test('shape, offsets and header are checked against each other and against the bytes', () => {
  const edit = (name: 'a' | 'b', e: Record<string, unknown>): unknown => ({ ...two, [name]: { ...two[name], ...e } });
  assert.throws(() => readSafetensors(file(edit('a', { shape: [2, 4] }), 28)), /tensor "a": shape \[2, 4\] of F32 needs 32 bytes, but data_offsets \[0, 24\] span 24/);
  assert.throws(() => readSafetensors(file(edit('a', { shape: [2, -3] }), 28)), /tensor "a": shape must be a list of non-negative integers/);
  assert.throws(() => readSafetensors(file(edit('b', { data_offsets: [28, 24] }), 28)), /tensor "b": data_offsets must be \[start, end\] with 0 ≤ start ≤ end/);
  assert.throws(() => readSafetensors(file(edit('b', { data_offsets: [20, 24] }), 28)), /tensor "b": data_offsets \[20, 24\] overlap the previous tensor, which ends at 24/);
  assert.throws(() => readSafetensors(file(edit('b', { data_offsets: [28, 32] }), 32)), /tensor "b": data_offsets start at 28, leaving bytes 24–28 unaccounted for/);
  assert.throws(() => readSafetensors(file(two, 40)), /data section holds 40 bytes, but the tensors account for 28/);
  assert.throws(() => readSafetensors(file(edit('a', { dtype: 'F16' }), 28)), /tensor "a" is "F16"; only F32 LoRA weights are supported/);
  assert.throws(() => readSafetensors(file({ ['x'.repeat(500)]: 1 }, 0)), (err: Error) => /tensor "x{100}…": expected \{dtype/.test(err.message) && err.message.length < 250);
  assert.throws(() => readSafetensors(file([1, 2], 0)), /header must be a JSON object/);
  const notJson = file({}, 0);
  notJson[8] = 0x5b; // '{}' → '[}'
  assert.throws(() => readSafetensors(notJson), /header is not UTF-8 JSON/);
  const huge = new Uint8Array(16);
  new DataView(huge.buffer).setBigUint64(0, 2n ** 40n, true);
  assert.throws(() => readSafetensors(huge), /header length 1099511627776 exceeds the 16777216-byte limit/);
});
