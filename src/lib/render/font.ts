// The one font setup for resvg, shared by the svg worker and the Node render path: with no font,
// resvg draws `<text>` as nothing, and two setups would let training renders and the app disagree.
// resvg-wasm's spelling (fontBuffers): both paths run that build.

/** The bundled font (DejaVu Sans, Latin-1 subset; see public/fonts/README.md), relative to the site root. */
export const FONT_FILE = 'fonts/DejaVuSans.ttf';
export const FONT_FAMILY = 'DejaVu Sans';

/** resvg options for programs with text: generic and unnamed families fall back to the bundled font. */
export function fontOptions(bytes: Uint8Array): Record<string, unknown> {
  return { fontBuffers: [bytes], defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY };
}

/** resvg options for programs without text: parsing a font costs more than most renders. */
export const NO_FONT: Readonly<Record<string, unknown>> = Object.freeze({ fontBuffers: [] });
