/** Exit codes (CONTRACT §8). */
/** `interrupted`: 128 + SIGINT, as a shell reports a command Ctrl-C stopped. */
export const EXIT = { ok: 0, failure: 1, usage: 2, rejected: 3, interrupted: 130 } as const;

/** A mistake in how a command was called: exit 2 with the message. */
export class UsageError extends Error {}
