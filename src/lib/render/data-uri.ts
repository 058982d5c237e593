// data: URIs in <image>/<feImage>: decoded, and raster headers read without decoding pixels, so a
// 200-byte PNG that claims 8000×8000 is refused before resvg allocates 256 MB for it. Gzipped SVG
// (svgz, which resvg renders) is inflated synchronously with fflate, under a size cap (gzip bombs).

import { Gunzip } from 'fflate';

export interface DataUri {
  mime: string;
  bytes: Uint8Array;
}

/** Decodes a data: URI (base64 or percent-encoded); null when href is not one; throws when malformed. */
export function parseDataUri(href: string): DataUri | null {
  const m = /^\s*data:([^,]*),/i.exec(href);
  if (!m) return null;
  const meta = (m[1] ?? '').trim();
  const payload = href.slice(m[0].length);
  const mime = (meta.split(';')[0] ?? '').trim().toLowerCase();
  if (/;\s*base64\s*$/i.test(meta)) {
    // Percent-escapes may wrap base64 too (the URL is decoded first); atob throws on non-base64.
    const bin = atob(new TextDecoder().decode(percentDecode(payload)).replace(/\s+/g, ''));
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return { mime, bytes };
  }
  return { mime, bytes: percentDecode(payload) };
}

/** %XX escapes to bytes, other text as UTF-8; a stray '%' stays literal (raw `data:…;utf8,<svg width="100%">`). */
function percentDecode(s: string): Uint8Array {
  if (!s.includes('%')) return new TextEncoder().encode(s);
  const parts: number[] = [];
  const enc = new TextEncoder();
  let from = 0;
  for (const m of s.matchAll(/%([0-9a-fA-F]{2})/g)) {
    for (const b of enc.encode(s.slice(from, m.index))) parts.push(b);
    parts.push(parseInt(m[1] ?? '0', 16));
    from = (m.index ?? 0) + 3;
  }
  for (const b of enc.encode(s.slice(from))) parts.push(b);
  return Uint8Array.from(parts);
}

export interface ImageHeader {
  format: 'png' | 'jpeg' | 'gif' | 'webp';
  width: number;
  height: number;
}

const u16be = (b: Uint8Array, i: number): number => ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
const u16le = (b: Uint8Array, i: number): number => (b[i] ?? 0) | ((b[i + 1] ?? 0) << 8);
const u24le = (b: Uint8Array, i: number): number => u16le(b, i) | ((b[i + 2] ?? 0) << 16);
const u32be = (b: Uint8Array, i: number): number => u16be(b, i) * 65536 + u16be(b, i + 2);
const ascii = (b: Uint8Array, i: number, n: number): string => String.fromCharCode(...b.subarray(i, i + n));

/** Pixel size from a PNG, JPEG, GIF or WebP header; null for other bytes (resvg will not draw them). */
export function readImageHeader(b: Uint8Array): ImageHeader | null {
  if (b[0] === 0x89 && ascii(b, 1, 3) === 'PNG') return { format: 'png', width: u32be(b, 16), height: u32be(b, 20) };
  if (ascii(b, 0, 4) === 'GIF8') {
    // The logical screen, and the first frame's own size: a decoder allocates for the larger. The
    // blocks are walked (palette, extensions and their sub-blocks skipped): a 0x2c byte inside a
    // palette or a comment is not an image separator.
    let width = u16le(b, 6), height = u16le(b, 8);
    let i = 13 + ((b[10] ?? 0) & 0x80 ? 3 << (((b[10] ?? 0) & 7) + 1) : 0);
    while (i < b.length && b[i] === 0x21) {
      i += 2;
      while (i < b.length && b[i] !== 0) i += (b[i] ?? 0) + 1;
      i++;
    }
    if (b[i] === 0x2c) { width = Math.max(width, u16le(b, i + 5)); height = Math.max(height, u16le(b, i + 7)); }
    return { format: 'gif', width, height };
  }
  if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') {
    const chunk = ascii(b, 12, 4);
    if (chunk === 'VP8 ') return { format: 'webp', width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
    if (chunk === 'VP8L') {
      const bits = (b[21] ?? 0) | ((b[22] ?? 0) << 8) | ((b[23] ?? 0) << 16) | ((b[24] ?? 0) << 24);
      return { format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    if (chunk === 'VP8X') return { format: 'webp', width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
    return null;
  }
  if (b[0] === 0xff && b[1] === 0xd8) {
    // Walk the marker segments to the first start-of-frame (SOF0–SOF15 except DHT/JPG/DAC).
    let i = 2;
    while (i + 9 < b.length) {
      if (b[i] !== 0xff) { i++; continue; }
      const marker = b[i + 1] ?? 0;
      if (marker === 0xff) { i++; continue; }
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { format: 'jpeg', width: u16be(b, i + 7), height: u16be(b, i + 5) };
      }
      if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { i += 2; continue; }
      i += 2 + u16be(b, i + 2);
    }
    return { format: 'jpeg', width: 0, height: 0 };
  }
  return null;
}

export const isGzip = (b: Uint8Array): boolean => b[0] === 0x1f && b[1] === 0x8b;

/** Inflates gzip bytes, stopping with an error once the output passes maxBytes (a gzip bomb). */
export function gunzipCapped(bytes: Uint8Array, maxBytes: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  const gz = new Gunzip((chunk) => {
    total += chunk.length;
    if (total > maxBytes) throw new RangeError(`inflates to more than ${maxBytes} bytes`);
    parts.push(chunk);
  });
  // Feed in slices so the cap stops a bomb after a bounded amount of work.
  for (let i = 0; i < bytes.length; i += 16_384) gz.push(bytes.subarray(i, i + 16_384), i + 16_384 >= bytes.length);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
