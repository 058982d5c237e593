// Model output → the SVG text handed to the renderer: extract the program, then make it
// renderable — a partial program is repaired, a complete one only gets the namespace resvg needs
// (models often omit xmlns; without it resvg finds "no root node").
import { extractProgram, type Extraction, type ExtractOptions } from './extract';
import { ensureNamespaces, repairSvg } from './repair';

export interface Prepared {
  extraction: Extraction;
  /** '' when there is nothing to render. */
  svg: string;
}

export function prepareProgram(output: string, options: ExtractOptions = {}): Prepared {
  const extraction = extractProgram(output, options);
  if (extraction.kind === 'none') return { extraction, svg: '' };
  const svg = extraction.kind === 'partial' ? repairSvg(extraction.svg).svg : ensureNamespaces(extraction.svg);
  return { extraction, svg };
}
