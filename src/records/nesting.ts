/** A real record nests under 10 levels; past this one it is refused before anything recursive sees it. */
export const MAX_NESTING = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Whether the text holds more than `limit` opening brackets at all, strings included: only then can
 * it nest deeper. Found by the native `indexOf`, which costs a record a tenth of the scan below.
 */
function opensMoreThan(text: string, limit: number): boolean {
  let opened = 0;
  for (const opener of ["{", "["]) {
    for (let i = text.indexOf(opener); i !== -1; i = text.indexOf(opener, i + 1)) if (++opened > limit) return true;
  }
  return false;
}

/**
 * Where JSON text first opens its (limit+1)th nested array or object (an offset), or null: one linear
 * scan counting brackets outside strings, so it cannot itself overflow the stack. Text that is not
 * JSON is only counted, never judged: JSON.parse does that after.
 */
export function nestingTooDeepAt(text: string, limit = MAX_NESTING): number | null {
  if (!opensMoreThan(text, limit)) return null;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === BACKSLASH) i++;
      else if (char === QUOTE) inString = false;
    } else if (char === QUOTE) inString = true;
    else if (char === 0x5b || char === 0x7b) {
      if (++depth > limit) return i;
    } else if (char === 0x5d || char === 0x7d) depth--;
  }
  return null;
}
