/** Exit codes (CONTRACT §8). */
export const EXIT = { ok: 0, failure: 1, usage: 2, rejected: 3 } as const;

/** A mistake in how a command was called: exit 2 with the message. */
export class UsageError extends Error {}

/**
 * What keeps a value from being sent in an HTTP header, or null: fetch takes Latin-1 without line breaks or NUL. Named
 * by the character's code point and place, never shown (a key pasted with a `…` in it is still a secret).
 */
export function unsendable(name: string, value: string): UsageError | null {
  const chars = [...value];
  const at = chars.findIndex((c) => c.codePointAt(0)! > 0xff || c === "\r" || c === "\n" || c === "\0");
  if (at === -1) return null;
  const code = chars[at]!.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
  return new UsageError(`${name} holds U+${code} at character ${at + 1}, which no HTTP header can carry: give the value whole, as issued (not shown: it may be a secret)`);
}
