// Geometry estimates from SVG attributes alone (no renderer): lengths, the canvas, transforms and
// element bounding boxes. Used by the pre-render limits (canvas size) and by the rule rewards
// (content outside the canvas). Estimates, on purpose: path boxes use control points (a superset
// of the curve), arcs only their end points, strokes are ignored; percentages are unknown (NaN).

export interface Box { x0: number; y0: number; x1: number; y1: number }
/** Affine matrix [a, b, c, d, e, f] as in SVG: x' = a·x + c·y + e, y' = b·x + d·y + f. */
export type Matrix = readonly [number, number, number, number, number, number];

export const IDENTITY: Matrix = [1, 0, 0, 1, 0, 0];

// CSS absolute units in px; font-relative units assume the 16 px default font size.
const UNIT_PX: Readonly<Record<string, number>> = Object.freeze({
  '': 1, px: 1, pt: 4 / 3, pc: 16, mm: 96 / 25.4, cm: 96 / 2.54, in: 96, em: 16, ex: 8,
});

const NUMBER = /[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/g;

/** A length in user units (px); NaN when absent, a percentage or unparseable. */
export function parseLength(value: string | undefined): number {
  if (value === undefined) return NaN;
  const m = /^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
  if (!m) return NaN;
  const scale = UNIT_PX[(m[2] ?? '').toLowerCase()];
  return scale === undefined ? NaN : Number(m[1]) * scale;
}

/** All numbers in a list attribute (points, viewBox, stdDeviation), commas or spaces. */
export function parseNumbers(value: string | undefined): number[] {
  return value === undefined ? [] : (value.match(NUMBER) ?? []).map(Number);
}

/** viewBox as a box, or null when absent or not four numbers. */
export function parseViewBox(value: string | undefined): Box | null {
  const n = parseNumbers(value);
  if (n.length !== 4) return null;
  const [x, y, w, h] = n as [number, number, number, number];
  return { x0: x, y0: y, x1: x + w, y1: y + h };
}

/** The drawing area in user units: the viewBox, else 0 0 width height; null if unknown. */
export function canvasOf(rootAttrs: Readonly<Record<string, string>>): Box | null {
  const vb = parseViewBox(rootAttrs.viewBox);
  if (vb) return vb;
  const w = parseLength(rootAttrs.width);
  const h = parseLength(rootAttrs.height);
  return Number.isFinite(w) && Number.isFinite(h) ? { x0: 0, y0: 0, x1: w, y1: h } : null;
}

export function multiply(m: Matrix, n: Matrix): Matrix {
  return [
    m[0] * n[0] + m[2] * n[1], m[1] * n[0] + m[3] * n[1],
    m[0] * n[2] + m[2] * n[3], m[1] * n[2] + m[3] * n[3],
    m[0] * n[4] + m[2] * n[5] + m[4], m[1] * n[4] + m[3] * n[5] + m[5],
  ];
}

/** Parses a transform list; unknown functions are skipped (resvg would reject the attribute). */
export function parseTransform(value: string | undefined): Matrix {
  let m = IDENTITY;
  if (!value) return m;
  for (const [, fn, args] of value.matchAll(/(\w+)\s*\(([^)]*)\)/g)) {
    const a = parseNumbers(args);
    const v = (i: number, d = 0): number => a[i] ?? d;
    const rad = (v(0) * Math.PI) / 180;
    let t: Matrix | null = null;
    switch (fn) {
      case 'matrix': t = a.length === 6 ? (a as unknown as Matrix) : null; break;
      case 'translate': t = [1, 0, 0, 1, v(0), v(1)]; break;
      case 'scale': t = [v(0, 1), 0, 0, v(1, v(0, 1)), 0, 0]; break;
      case 'rotate': {
        const r: Matrix = [Math.cos(rad), Math.sin(rad), -Math.sin(rad), Math.cos(rad), 0, 0];
        t = multiply(multiply([1, 0, 0, 1, v(1), v(2)], r), [1, 0, 0, 1, -v(1), -v(2)]);
        break;
      }
      case 'skewX': t = [1, 0, Math.tan(rad), 1, 0, 0]; break;
      case 'skewY': t = [1, Math.tan(rad), 0, 1, 0, 0]; break;
    }
    if (t) m = multiply(m, t);
  }
  return m;
}

/** Box of points given as flat [x0, y0, x1, y1, …], after a transform; null if none are finite. */
export function boxOfPoints(xy: readonly number[], m: Matrix = IDENTITY): Box | null {
  let box: Box | null = null;
  for (let i = 0; i + 1 < xy.length; i += 2) {
    const px = xy[i] as number;
    const py = xy[i + 1] as number;
    const x = m[0] * px + m[2] * py + m[4];
    const y = m[1] * px + m[3] * py + m[5];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    box = box ? { x0: Math.min(box.x0, x), y0: Math.min(box.y0, y), x1: Math.max(box.x1, x), y1: Math.max(box.y1, y) } : { x0: x, y0: y, x1: x, y1: y };
  }
  return box;
}

const PATH_TOKEN = /([MmLlHhVvCcSsQqTtAaZz])|([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/g;
const ARITY: Readonly<Record<string, number>> = Object.freeze({ m: 2, l: 2, h: 1, v: 1, c: 6, s: 4, q: 4, t: 2, a: 7, z: 0 });

/** Absolute points (end and control points) visited by path data, as flat [x, y, …]. */
export function pathPoints(d: string): number[] {
  const out: number[] = [];
  let cmd = '';
  let args: number[] = [];
  let x = 0, y = 0, sx = 0, sy = 0;
  const flush = (): void => {
    const lower = cmd.toLowerCase();
    const rel = cmd !== cmd.toUpperCase();
    const ox = rel ? x : 0;
    const oy = rel ? y : 0;
    if (lower === 'h') x = ox + (args[0] ?? 0);
    else if (lower === 'v') y = oy + (args[0] ?? 0);
    else if (lower === 'a') { x = ox + (args[5] ?? 0); y = oy + (args[6] ?? 0); }
    else {
      for (let i = 0; i + 1 < args.length; i += 2) out.push(ox + (args[i] ?? 0), oy + (args[i + 1] ?? 0));
      x = ox + (args[args.length - 2] ?? 0);
      y = oy + (args[args.length - 1] ?? 0);
    }
    if (lower === 'h' || lower === 'v' || lower === 'a') out.push(x, y);
    if (lower === 'm') { sx = x; sy = y; cmd = rel ? 'l' : 'L'; } // extra pairs after M are line-tos
    args = [];
  };
  // Arc flags may be written without separators ("a5 5 0 011 1"): split them by hand
  // (the character class skips e/E so exponents stay inside the arc's arguments).
  const tokens = d.replace(/([Aa])([^A-DF-Za-df-z]*)/g, (_, c: string, rest: string) => c + splitArcFlags(rest));
  for (const [, c, num] of tokens.matchAll(PATH_TOKEN)) {
    if (c) {
      if (cmd && args.length) flush();
      cmd = c;
      if (c === 'z' || c === 'Z') { x = sx; y = sy; }
      continue;
    }
    args.push(Number(num));
    if (args.length === (ARITY[cmd.toLowerCase()] ?? Infinity)) flush();
  }
  return out;
}

function splitArcFlags(rest: string): string {
  const nums = rest.match(NUMBER) ?? [];
  const out: string[] = [];
  let k = 0;
  for (const raw of nums) {
    // positions 3 and 4 of each 7-number arc group are single-digit flags
    let s = raw;
    while (s.length > 0) {
      const slot = k % 7;
      if ((slot === 3 || slot === 4) && /^[01]/.test(s)) { out.push(s[0] as string); s = s.slice(1); }
      else { out.push(s); s = ''; }
      k++;
    }
  }
  return ' ' + out.join(' ') + ' ';
}

/** Bounding box of one shape element in its own user space (before its transform), or null. */
export function shapeBox(name: string, a: Readonly<Record<string, string>>): Box | null {
  const L = (k: string, d = 0): number => (a[k] === undefined ? d : parseLength(a[k]));
  switch (name) {
    case 'rect': case 'image': case 'foreignobject':
      return boxOfPoints([L('x'), L('y'), L('x') + L('width'), L('y') + L('height')]);
    case 'circle': { const r = L('r'); return boxOfPoints([L('cx') - r, L('cy') - r, L('cx') + r, L('cy') + r]); }
    case 'ellipse': { const rx = L('rx'), ry = L('ry'); return boxOfPoints([L('cx') - rx, L('cy') - ry, L('cx') + rx, L('cy') + ry]); }
    case 'line': return boxOfPoints([L('x1'), L('y1'), L('x2'), L('y2')]);
    case 'polygon': case 'polyline': return boxOfPoints(parseNumbers(a.points));
    case 'path': return a.d ? boxOfPoints(pathPoints(a.d)) : null;
    case 'text': return boxOfPoints([parseNumbers(a.x)[0] ?? 0, parseNumbers(a.y)[0] ?? 0]);
    default: return null;
  }
}
