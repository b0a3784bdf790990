/** Exit codes (CONTRACT §8). */
export const EXIT = { ok: 0, failure: 1, usage: 2, rejected: 3 } as const;

/** A mistake in how a command was called: exit 2 with the message. */
export class UsageError extends Error {}
