// Geometry of a region, measured the same way for one colour blob or for an object made of
// several: its box, how much of the box and of its convex hull it fills, where it is widest,
// how elongated it is along its own axis (rotation does not matter), and its holes — what the
// region encloses (a key's ring, a cup handle's loop, an eye, a label).

export interface Shape {
  /** Pixels, holes filled. */
  readonly area: number;
  readonly x0: number;
  readonly y0: number;
  readonly x1: number; // exclusive
  readonly y1: number; // exclusive
  readonly cx: number;
  readonly cy: number;
  /** area / convex hull area: ~1 for convex shapes, ~0.5 for a five-pointed star or a crescent. */
  readonly solidity: number;
  /** Row of greatest width, as a fraction of the height (triangle ≈ 1, diamond ≈ 0.5). */
  readonly widestRow: number;
  /** Widest row within the top (bottom) fifth, as a share of the greatest width: a neck, a cabin, a point. */
  readonly topWidth: number;
  readonly bottomWidth: number;
  /** √(λ1/λ2) of the second moments: 1 for a disc or square, 3 for a 3:1 bar at any angle. */
  readonly elongation: number;
  /** Centroid's distance from the convex hull's centroid, as a share of the larger side: a crescent's lopsidedness. */
  readonly lopsided: number;
  /** How far the top edge dips at the middle column, as a share of the height (a heart's or apple's notch). */
  readonly topNotch: number;
  /** Largest widening of the row width over a few rows, as a share of the greatest width (a hat's brim). */
  readonly widthStep: number;
  /** Share of rows whose filled extent has a gap (an open cup handle, a tent's door) and where the gaps lie (0..1). */
  readonly splitRows: number;
  readonly gapX: number;
  /** Enclosed pixels not of the region, as a share of `area`, and where their centre lies in the box (0..1). */
  readonly holes: number;
  readonly holeX: number;
  readonly holeY: number;
}

/** Geometry of the pixels (indices into a `width`-wide image); holes are filled first. */
export function describe(pixels: readonly number[], width: number): Shape {
  let x0 = Infinity, y0 = Infinity, x1 = 0, y1 = 0;
  for (const i of pixels) {
    const x = i % width;
    const y = (i - x) / width;
    x0 = Math.min(x0, x); x1 = Math.max(x1, x + 1);
    y0 = Math.min(y0, y); y1 = Math.max(y1, y + 1);
  }
  const w = x1 - x0;
  const h = y1 - y0;
  // Local mask: 1 = region, 0 = not; flood 0s from the box border, the rest are holes.
  const local = new Uint8Array(w * h);
  for (const i of pixels) local[((i - (i % width)) / width - y0) * w + (i % width) - x0] = 1;
  const queue: number[] = [];
  for (let k = 0; k < w * h; k++) {
    const x = k % w;
    const y = (k - x) / w;
    if ((x === 0 || y === 0 || x === w - 1 || y === h - 1) && local[k] === 0) {
      local[k] = 2;
      queue.push(k);
    }
  }
  for (let q = 0; q < queue.length; q++) {
    const k = queue[q] as number;
    const x = k % w;
    for (const j of [x > 0 ? k - 1 : -1, x < w - 1 ? k + 1 : -1, k - w, k + w]) {
      if (j >= 0 && j < w * h && local[j] === 0) {
        local[j] = 2;
        queue.push(j);
      }
    }
  }
  let split = 0, gapSum = 0;
  let filled = 0, widest = 0, widestW = -1, holes = 0, hx = 0, hy = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  const widths: number[] = [];
  const top = new Array<number>(w).fill(h);
  const pts: [number, number][] = [];
  for (let y = 0; y < h; y++) {
    let lo = -1, hi = -1, gap = -1;
    for (let x = 0; x < w; x++) {
      const v = local[y * w + x];
      if (v === 2) {
        if (lo >= 0 && gap < 0) gap = x;
        continue;
      }
      // The row's first gap between two runs of the region.
      if (gap >= 0 && gap < w) {
        split++;
        gapSum += (gap + x) / 2;
        gap = w;
      }
      if (v === 0) { holes++; hx += x; hy += y; }
      filled++;
      sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y;
      if (top[x] === h) top[x] = y;
      if (lo < 0) lo = x;
      hi = x + 1;
    }
    widths.push(lo < 0 ? 0 : hi - lo);
    if (lo < 0) continue;
    // Ties go to the row farthest from the middle, so a flat-bottomed triangle reads as widest at the base.
    if (hi - lo > widestW || (hi - lo === widestW && Math.abs(y - h / 2) > Math.abs(widest - h / 2))) {
      widestW = hi - lo;
      widest = y;
    }
    pts.push([lo, y], [hi, y], [lo, y + 1], [hi, y + 1]);
  }
  const lag = Math.max(1, Math.round(h / 30));
  let step = 0;
  for (let y = lag; y < h; y++) step = Math.max(step, (widths[y] as number) - (widths[y - lag] as number));
  const mx = sx / filled, my = sy / filled;
  const vxx = sxx / filled - mx * mx + 1 / 12, vyy = syy / filled - my * my + 1 / 12, vxy = sxy / filled - mx * my;
  const tr = (vxx + vyy) / 2, det = Math.sqrt(((vxx - vyy) / 2) ** 2 + vxy * vxy);
  const hull = convexHull(pts);
  const band = Math.max(1, Math.round(h / 5));
  const maxOf = (a: number[]): number => Math.max(0, ...a);
  // The top edge at the middle column against the highest points left and right of it.
  const mid = Math.floor(w / 2), side = Math.max(1, Math.floor(w / 3));
  const shoulder = Math.max(Math.min(...top.slice(0, side)), Math.min(...top.slice(w - side)));
  const dip = Math.min(...top.slice(Math.max(0, mid - 1), mid + 2));
  return {
    area: filled, x0, y0, x1, y1, cx: x0 + mx + 0.5, cy: y0 + my + 0.5,
    solidity: filled / Math.max(filled, hull.area),
    widestRow: (widest + 0.5) / h,
    topWidth: maxOf(widths.slice(0, band)) / Math.max(1, widestW),
    bottomWidth: maxOf(widths.slice(h - band)) / Math.max(1, widestW),
    elongation: Math.sqrt((tr + det) / Math.max(1e-9, tr - det)),
    lopsided: Math.hypot(mx + 0.5 - hull.cx, my + 0.5 - hull.cy) / Math.max(w, h),
    topNotch: Math.max(0, dip - shoulder) / h,
    widthStep: step / Math.max(1, widestW),
    splitRows: split / h,
    gapX: split ? (gapSum / split + 0.5) / w : 0.5,
    holes: holes / filled,
    holeX: holes ? (hx / holes + 0.5) / w : 0.5,
    holeY: holes ? (hy / holes + 0.5) / h : 0.5,
  };
}

/** Convex hull's area and centroid (Andrew's monotone chain + shoelace). */
function convexHull(points: [number, number][]): { area: number; cx: number; cy: number } {
  const p = points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const cross = (o: [number, number], a: [number, number], b: [number, number]): number =>
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const half = (pts: [number, number][]): [number, number][] => {
    const h: [number, number][] = [];
    for (const q of pts) {
      while (h.length >= 2 && cross(h[h.length - 2] as [number, number], h[h.length - 1] as [number, number], q) <= 0) h.pop();
      h.push(q);
    }
    h.pop();
    return h;
  };
  const hull = [...half(p), ...half([...p].reverse())];
  let a = 0, cx = 0, cy = 0;
  for (let i = 0; i < hull.length; i++) {
    const [xa, ya] = hull[i] as [number, number];
    const [xb, yb] = hull[(i + 1) % hull.length] as [number, number];
    const c = xa * yb - xb * ya;
    a += c;
    cx += (xa + xb) * c;
    cy += (ya + yb) * c;
  }
  if (Math.abs(a) < 1e-9) return { area: 0, cx: p[0]?.[0] ?? 0, cy: p[0]?.[1] ?? 0 };
  return { area: Math.abs(a) / 2, cx: cx / (3 * a), cy: cy / (3 * a) };
}
