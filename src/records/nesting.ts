/** A real record nests under 10 levels; past this one it is refused before anything recursive sees it. */
export const MAX_NESTING = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Where JSON text first opens its (limit+1)th nested array or object (an offset), or null: one linear
 * scan counting brackets outside strings, so it cannot itself overflow the stack. Text that is not
 * JSON is only counted, never judged: JSON.parse does that after.
 */
export function nestingTooDeepAt(text: string, limit = MAX_NESTING): number | null {
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
