// The typed refusal every pre-render check throws and checkLimits returns.

export type LimitCode =
  | 'empty' | 'too-many-bytes' | 'not-svg' | 'entities' | 'bad-dimension' | 'canvas-too-large'
  | 'too-many-elements' | 'too-many-attributes' | 'too-deep' | 'use-bomb' | 'use-cycle' | 'reference-cycle' | 'costly-filter' | 'costly-text' | 'nested-svg'
  | 'costly-drawing' | 'costly-paint' | 'costly-style' | 'costly-render' | 'costly-image' | 'bad-data-uri';

export interface LimitError {
  code: LimitCode;
  /** What was wrong and what the limit is, for people. */
  message: string;
  /** The RenderLimits key that was breached, when a number was over a limit. */
  limit?: string;
  /** The offending construct, e.g. `<use id="u3">` or `<style>`, quoted short. */
  at?: string;
}

export class LimitBreach extends Error {
  constructor(readonly error: LimitError) { super(error.message); }
}

/** Throws a refusal; `at` names the construct, `limit` the RenderLimits key. */
export function refuse(code: LimitCode, message: string, at?: string, limit?: string): never {
  throw new LimitBreach({ code, message: at ? `${at}: ${message}` : message, ...(limit ? { limit } : {}), ...(at ? { at } : {}) });
}

/** Attacker-controlled input quoted in a message is cut to at most ~100 characters. */
export const quote = (s: string, max = 60): string => (s.length > max ? `${s.slice(0, max)}…` : s);
