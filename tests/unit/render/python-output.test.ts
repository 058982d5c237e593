import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutputSink } from '../../../src/lib/render/python/output';

test('output under the cap is kept whole, multi-byte characters split across writes included', () => {
  const sink = new OutputSink(100);
  const bytes = new TextEncoder().encode('héllo 💥\n');
  sink.writeBytes(bytes.subarray(0, 2));
  sink.writeBytes(bytes.subarray(2, 9));
  sink.writeBytes(bytes.subarray(9));
  assert.deepEqual(sink.result(), { text: 'héllo 💥\n', truncated: false });
});

test('past the cap: the first characters are kept, the rest counted, the owner told once', () => {
  let told = 0;
  const sink = new OutputSink(5, () => (told += 1));
  sink.write('abc');
  sink.write('defgh');
  sink.writeBytes(new Uint8Array(1000));
  assert.equal(told, 1);
  assert.equal(sink.overflowed, true);
  const r = sink.result();
  assert.equal(r.truncated, true);
  assert.equal(r.text, 'abcde\n[… 1003 more characters cut: the output cap is 5]');
});

test('a cap that is not a non-negative integer is refused', () => {
  assert.throws(() => new OutputSink(-1), /non-negative integer, got -1/);
});
