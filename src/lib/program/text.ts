// "Does this program draw text?" — asked by the renderer (load a font or not), the no-text rule
// (SGP-RL gives such programs 0) and the verifier (text can spell the prompt). One answer for all.

/** Local names of SVG's text-content elements. */
export const TEXT_ELEMENTS: ReadonlySet<string> = new Set(['text', 'tspan', 'textpath']);

// Any namespace prefix (`svg:text`), any case; the tag name must end there (not `<textArea`).
const TEXT_TAG = /<(?:[\w.-]+:)?(?:text|tspan|textPath)[\s/>]/gi;

/** Text elements written in the program, found lexically: works on fragments and broken XML too. */
export function countTextElements(svg: string): number {
  return svg.match(TEXT_TAG)?.length ?? 0;
}

export function hasText(svg: string): boolean {
  TEXT_TAG.lastIndex = 0;
  return TEXT_TAG.test(svg);
}
