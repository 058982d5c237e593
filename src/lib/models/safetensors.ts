// Reads a .safetensors file (8-byte little-endian header length, JSON header, raw little-endian
// data): the format LoRA weights ship in. Only the dtypes our graphs take are accepted. The file
// may come from anywhere, so every claim the header makes is checked against the bytes: a short
// or inconsistent file is refused, never padded with zeros or read out of bounds.
import type { PlainTensor } from './backend';

/** The reference reader (safetensors' Rust crate) refuses headers over 100 MB; a LoRA header takes
 *  ~150 bytes per tensor, so 16 MiB is ~100,000 tensors and keeps a hostile length from costing memory. */
export const MAX_HEADER_BYTES = 16 * 2 ** 20;

/** Bytes per element of the dtypes our graphs take. */
const DTYPE_BYTES: Readonly<Record<string, number>> = Object.freeze({ F32: 4 });

interface Entry {
  readonly name: string;
  readonly shape: number[];
  readonly start: number;
  readonly end: number;
}

const fail = (msg: string): never => {
  throw new Error(`safetensors: ${msg}`);
};
const quote = (s: string): string => JSON.stringify(s.length > 100 ? `${s.slice(0, 100)}…` : s);
const isUint = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

function readEntry(name: string, e: unknown): Entry {
  const t = `tensor ${quote(name)}`;
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return fail(`${t}: expected {dtype, shape, data_offsets}`);
  const { dtype, shape, data_offsets: offsets } = e as Record<string, unknown>;
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) {
    return fail(`${t} is ${quote(String(dtype))}; only ${Object.keys(DTYPE_BYTES).join(', ')} LoRA weights are supported`);
  }
  if (!Array.isArray(shape) || !shape.every(isUint)) return fail(`${t}: shape must be a list of non-negative integers`);
  const [start, end] = Array.isArray(offsets) && offsets.length === 2 ? (offsets as unknown[]) : [];
  if (!isUint(start) || !isUint(end) || start > end) return fail(`${t}: data_offsets must be [start, end] with 0 ≤ start ≤ end`);
  const elements = shape.reduce((a: number, b: number) => a * b, 1);
  const bytes = elements * (DTYPE_BYTES[dtype] as number);
  if (bytes !== end - start) {
    fail(`${t}: shape [${shape.join(', ')}] of ${dtype} needs ${bytes} bytes, but data_offsets [${start}, ${end}] span ${end - start}`);
  }
  return { name, shape, start, end };
}

export function readSafetensors(bytes: Uint8Array): Record<string, PlainTensor> {
  if (bytes.byteLength < 8) fail(`file of ${bytes.byteLength} bytes is shorter than its 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) fail(`header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  const base = 8 + Number(headerLength);
  if (base > bytes.byteLength) fail(`header of ${headerLength} bytes overruns the file (${bytes.byteLength} bytes)`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, base)));
  } catch (err) {
    return fail(`header is not UTF-8 JSON (${(err as Error).message.slice(0, 100)})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return fail('header must be a JSON object');

  const entries = Object.entries(header).filter(([name]) => name !== '__metadata__').map(([name, e]) => readEntry(name, e));
  // As the reference reader: tensors tile the data section in offset order, with no gap, no
  // overlap and nothing left over, so every byte is accounted for exactly once.
  const dataLength = bytes.byteLength - base;
  let next = 0;
  for (const e of [...entries].sort((a, b) => a.start - b.start || a.end - b.end)) {
    if (e.start < next) fail(`tensor ${quote(e.name)}: data_offsets [${e.start}, ${e.end}] overlap the previous tensor, which ends at ${next}`);
    if (e.start > next) fail(`tensor ${quote(e.name)}: data_offsets start at ${e.start}, leaving bytes ${next}–${e.start} unaccounted for`);
    if (e.end > dataLength) fail(`truncated: tensor ${quote(e.name)} needs data bytes [${e.start}, ${e.end}), but the data section holds ${dataLength}`);
    next = e.end;
  }
  if (next !== dataLength) fail(`data section holds ${dataLength} bytes, but the tensors account for ${next}`);

  const out: Record<string, PlainTensor> = {};
  for (const e of entries) {
    // Copy into a fresh buffer: the data may not be 4-byte aligned in the file (and a Node Buffer's
    // slice() is a view of a shared pool, not a copy).
    const copy = new Uint8Array(e.end - e.start);
    copy.set(bytes.subarray(base + e.start, base + e.end));
    out[e.name] = { type: 'float32', dims: e.shape, data: new Float32Array(copy.buffer) };
  }
  return out;
}

/**
 * Writes float32 tensors as a .safetensors file (names sorted, data in that order, header padded with
 * spaces to 8 bytes as the reference writer does). `metadata` goes under `__metadata__` (strings only).
 */
export function writeSafetensors(tensors: Record<string, PlainTensor>, metadata: Record<string, string> = {}): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = Object.keys(metadata).length ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const name of names) {
    const t = tensors[name]!;
    if (t.type !== 'float32') fail(`tensor ${quote(name)} is ${t.type}; only float32 tensors are written`);
    const bytes = t.data.length * 4;
    if (t.dims.reduce((a, b) => a * b, 1) * 4 !== bytes) fail(`tensor ${quote(name)}: ${t.data.length} values do not fill shape [${t.dims.join(', ')}]`);
    header[name] = { dtype: 'F32', shape: t.dims, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const raw = JSON.stringify(header);
  const json = new TextEncoder().encode(raw + ' '.repeat((8 - (new TextEncoder().encode(raw).length % 8)) % 8));
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const name of names) {
    const data = Float32Array.from(tensors[name]!.data as ArrayLike<number>);
    out.set(new Uint8Array(data.buffer), at);
    at += data.byteLength;
  }
  return out;
}
