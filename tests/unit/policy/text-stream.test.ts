// Streaming text from tokens: the deltas add up to decoding the whole row, with the real tokenizer
// and with a decoder whose tokens split a character.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { TextTokenizer } from '../../../src/lib/models/tokenizer';
import { TextStream } from '../../../src/lib/policy/text-stream';

const dir = 'public/models/sgp-tiny-policy/';
const json = (p: string) => JSON.parse(readFileSync(dir + p, 'utf8'));
const tok = new TextTokenizer(json('tokenizer.json'), json('tokenizer_config.json'));

test('deltas add up to the full decode of every golden program and of arbitrary ids', () => {
  const rows: number[][] = json('goldens/greedy.json').cases.map((c: { ids: number[] }) => c.ids);
  rows.push(Array.from({ length: 300 }, (_, i) => 4 + ((i * 37) % 1190)));
  for (const ids of rows) {
    const stream = new TextStream((x) => tok.decode(x));
    const deltas = ids.map((t) => stream.push(t));
    assert.equal(deltas.join(''), tok.decode(ids));
    assert.equal(stream.text, tok.decode(ids));
  }
});

test('a token that ends mid-character waits for the one that completes it', () => {
  // bytes as tokens: "é" is 0xC3 0xA9 in UTF-8
  const decode = (ids: readonly number[]) => new TextDecoder().decode(Uint8Array.from(ids));
  const stream = new TextStream(decode);
  assert.deepEqual([0x61, 0xc3, 0xa9, 0x62].map((b) => stream.push(b)), ['a', '', 'é', 'b']);
  assert.equal(stream.text, 'aéb');
});
