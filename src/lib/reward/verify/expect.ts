// How big a kind's main-colour region is within the whole object, from the world's parts: the
// 'larger' relation compares whole objects, but the verifier measures main-colour regions (a
// lollipop's candy is about half its height).
import type { Kind } from '../../world/kinds.ts';
import type { Part } from '../../world/parts.ts';

type Box = [number, number, number, number]; // x0, y0, x1, y1

const PATH_ARGS: Readonly<Record<string, number>> = { M: 2, L: 2, T: 2, H: 1, V: 1, Q: 4, C: 6, A: 7, Z: 0 };

/** Bounding box of a path; an arc adds the point of greatest bulge (on its sweep side). */
function pathBox(d: string): Box {
  const t = d.match(/[A-Za-z]|-?\d*\.?\d+/g) ?? [];
  const xs: number[] = [];
  const ys: number[] = [];
  let px = 0, py = 0, i = 0;
  while (i < t.length) {
    const cmd = t[i++] as string;
    const a = Array.from({ length: PATH_ARGS[cmd] ?? 0 }, () => Number(t[i++]));
    if (cmd === 'H') a.push(py);
    if (cmd === 'V') a.unshift(px);
    if (a.length < 2) continue;
    const x = a[a.length - 2] as number;
    const y = a[a.length - 1] as number;
    if (cmd === 'A') {
      const [rx, ry, , large, sweep] = a as [number, number, number, number, number];
      const dx = x - px, dy = y - py;
      const chord = Math.hypot(dx, dy);
      const r = Math.max(chord / 2, Math.abs(dx) > Math.abs(dy) ? ry : rx);
      const sag = large ? r + Math.sqrt(r * r - (chord / 2) ** 2) : r - Math.sqrt(r * r - (chord / 2) ** 2);
      // sweep=1 turns clockwise on screen: the arc bulges to the left of the chord's direction.
      const s = sweep ? 1 : -1;
      xs.push((px + x) / 2 + (s * dy * sag) / chord);
      ys.push((py + y) / 2 - (s * dx * sag) / chord);
    } else if (cmd === 'Q' || cmd === 'C') {
      for (let k = 0; k + 1 < a.length - 2; k += 2) {
        // Control points overshoot the curve by up to 2x for a symmetric quadratic: take half way.
        xs.push(((a[k] as number) + x) / 2);
        ys.push(((a[k + 1] as number) + y) / 2);
      }
    }
    xs.push(x);
    ys.push(y);
    px = x;
    py = y;
  }
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

function partBox(p: Part): Box {
  switch (p.el) {
    case 'circle': return [p.cx - p.r, p.cy - p.r, p.cx + p.r, p.cy + p.r];
    case 'ellipse': return [p.cx - p.rx, p.cy - p.ry, p.cx + p.rx, p.cy + p.ry];
    case 'rect': return [p.x, p.y, p.x + p.w, p.y + p.h];
    case 'polygon': {
      const xs = p.pts.filter((_, i) => i % 2 === 0);
      const ys = p.pts.filter((_, i) => i % 2 === 1);
      return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
    }
    case 'path': return pathBox(p.d);
  }
}

/** The main-colour parts' larger side as a share of the whole object's larger side (a lollipop's candy: ~0.54). */
export function mainExtent(kind: Kind): number {
  const boxes = kind.parts.filter((p) => p.fill === 'main').map(partBox);
  const w = Math.max(...boxes.map((b) => b[2])) - Math.min(...boxes.map((b) => b[0]));
  const h = Math.max(...boxes.map((b) => b[3])) - Math.min(...boxes.map((b) => b[1]));
  return Math.min(1, Math.max(w, h) / Math.max(...kind.grid));
}
