/**
 * Numbers a user sets, as an option or an environment variable: one rule for all of them, so each is refused the same
 * way (a usage error naming the setting, its range and what was given) instead of read as something else.
 */

/** A setting that cannot be used as given: the commands exit 2 with its message, as for any usage error. */
export class SettingError extends Error {}

/** The longest a Node.js timer waits, in ms: a longer delay fires at once (with a TimeoutOverflowWarning). */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** The same in whole seconds, for settings given in seconds. */
export const MAX_TIMER_SECONDS = Math.floor(MAX_TIMER_MS / 1000);

interface NumberRange {
  /** Digits only; otherwise a decimal fraction is allowed too (`0.5`). Never a sign, an exponent or hex. */
  whole: boolean;
  min: number;
  max: number;
  /** Said in the message: "a whole number of bytes". */
  unit?: string;
}

/** `text` as the number it writes, when it is one within `range`; otherwise a SettingError naming `name`. */
export function numberSetting(name: string, text: string, range: NumberRange): number {
  const written = range.whole ? /^\d+$/ : /^\d+(\.\d+)?$/;
  const value = Number(text);
  if (!written.test(text) || value < range.min || value > range.max) {
    const kind = `${range.whole ? "a whole number" : "a number"}${range.unit ? ` of ${range.unit}` : ""}`;
    throw new SettingError(`${name} must be ${kind} from ${range.min} to ${range.max}, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** An environment variable holding a number: undefined when unset or empty (the default applies). */
export function numberFromEnv(name: string, range: NumberRange, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const text = env[name];
  return text === undefined || text === "" ? undefined : numberSetting(name, text, range);
}

/** Each run of valid percent-escapes decoded, the rest as it stands (`%2D` and `-` are one character to a server). */
const percentDecoded = (text: string) => text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
  try {
    return decodeURIComponent(run);
  } catch {
    return run;
  }
});

/**
 * A value shorter than this is no secret worth the cut (a placeholder key, `x`, for a server that needs none): cut
 * wherever it appeared, it mangled every message (`ECONNREFUSED [redacted]27.0.0.[redacted]`).
 */
const MIN_REDACTED_LENGTH = 6;

/**
 * `text` with each secret in it (an API key, a webhook secret), as written or percent-encoded, replaced by `[redacted]`:
 * for what stepstore prints or logs that a client or a server may have echoed a secret into. A secret that only shows
 * once escapes are decoded (`sk%2Dkey`, escaped otherwise than `encodeURIComponent` does) leaves the text decoded.
 */
export function withoutSecrets(text: string, secrets: readonly string[]): string {
  const present = secrets.filter((s) => s.length >= MIN_REDACTED_LENGTH);
  const redact = (from: string) => present.reduce((out, secret) => out.replaceAll(secret, "[redacted]").replaceAll(encodeURIComponent(secret), "[redacted]"), from);
  const redacted = redact(text);
  if (!redacted.includes("%")) return redacted;
  const decoded = percentDecoded(redacted);
  return present.some((secret) => decoded.includes(secret)) ? redact(decoded) : redacted;
}
