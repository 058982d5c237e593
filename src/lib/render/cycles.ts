// Reference cycles, judged as resvg (0.35, inside resvg-wasm 2.6.2) will meet them. It breaks a few
// shapes before drawing (usvg's svgtree: fix_recursive_patterns, fix_recursive_links,
// fix_recursive_fe_image) and skips a marker inside itself; every other cycle it follows until the
// wasm stack overflows, which leaves the instance unusable (the next render reads out of bounds).
// Measured on the hostile corpus: a 3-pattern loop, a mask → filter → feImage loop, a fill
// inherited from outside its own pattern each overflowed; the one- and two-step loops below rendered.

import type { XmlElement } from '../program/normalise.ts';

/** How the cost walk reached an element: as a child, through <use>, or through a property or feImage. */
export type Link = 'child' | 'use' | 'fill' | 'stroke' | 'clip-path' | 'mask' | 'marker' | 'filter' | 'feImage';

export interface Frame {
  el: XmlElement;
  link: Link;
  /** For a property link, the element its url() names (a pattern template may hand over another's content). */
  ref?: XmlElement;
}

export type CycleVerdict = 'use-cycle' | 'broken' | 'overflows';

/** The resource kind each property's self-repair applies to in usvg. */
const REPAIRED: Partial<Record<Link, string>> = { fill: 'pattern', stroke: 'pattern', 'clip-path': 'clipPath', mask: 'mask' };

/**
 * `frames` runs from the element met again (frames[0]) to the element that makes the closing link;
 * `owns(el, prop, target)` tells whether el itself (not an ancestor) sets prop to url(#target).
 */
export function judgeCycle(frames: readonly Frame[], closing: Link, closingRef: XmlElement | undefined,
  owns: (el: XmlElement, prop: Link, target: XmlElement) => boolean): CycleVerdict {
  const first = frames[0]!;
  const links = [...frames.slice(1).map((f) => f.link), closing];
  const refs = [...frames.slice(1).map((f) => f.ref), closingRef];
  const resources = links.map((l, i) => [l, i] as const).filter(([l]) => l !== 'child' && l !== 'use');
  if (resources.length === 0) return 'use-cycle';
  if (resources.some(([l]) => l === 'marker')) return 'broken'; // usvg skips a marker drawn inside itself
  // The frames [from, to] around the ring (the expanded subtree a resource's fix pass searches): does
  // one of them set the link itself, rather than inherit it from outside?
  const ownedIn = (from: number, to: number, prop: Link, target: XmlElement): boolean => {
    for (let k = from; ; k = (k + 1) % frames.length) {
      if (owns(frames[k]!.el, prop, target)) return true;
      if (k === to) return false;
    }
  };
  // The element entered through link i is frames[i + 1] (frames[0] for the closing link).
  const entered = (i: number): XmlElement => frames[(i + 1) % frames.length]!.el;
  const direct = (i: number): boolean => refs[i] === entered(i) && entered(i).name === REPAIRED[links[i]!];

  if (resources.length === 1) {
    // A resource whose own subtree links back to it: usvg sets that link to none.
    const [l, i] = resources[0]!;
    return direct(i) && ownedIn((i + 1) % frames.length, i, l, entered(i)) ? 'broken' : 'overflows';
  }
  if (resources.length === 2) {
    const [[l1, i1], [l2, i2]] = resources as [[Link, number], [Link, number]];
    // Two resources of one kind linking each other by the same property, each link set inside the other's subtree.
    if (l1 === l2 && REPAIRED[l1] && direct(i1) && direct(i2)) {
      const intoSecond = ownedIn((i2 + 1) % frames.length, i1, l1, entered(i1));
      const intoFirst = ownedIn((i1 + 1) % frames.length, i2, l2, entered(i2));
      return intoSecond && intoFirst ? 'broken' : 'overflows';
    }
    // feImage naming the very element the filter is on: usvg drops that element's filter.
    if (links.length === 2 && new Set([l1, l2]).size === 2 && [l1, l2].every((l) => l === 'filter' || l === 'feImage')) {
      const [element, filter] = l1 === 'filter' ? [first.el, frames[1]!.el] : [frames[1]!.el, first.el];
      return owns(element, 'filter', filter) ? 'broken' : 'overflows';
    }
  }
  return 'overflows';
}

/** "mask → fill → clip-path": the links of a cycle, for messages. */
export function describeCycle(frames: readonly Frame[], closing: Link): string {
  return [...frames.slice(1).map((f) => f.link), closing].filter((l) => l !== 'child').join(' → ');
}
