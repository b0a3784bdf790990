import type { z } from "zod";
import { codePointLength } from "./canonical.js";
import { describeNumberToken } from "./numbers.js";

/** Code points of a string a reason quotes: a longer one is cut (the record itself is kept whole as `raw`). */
const QUOTED_CODE_POINTS = 60;

/** The first QUOTED_CODE_POINTS code points of `text` and `…`, or `text` when that is all of it (never half a surrogate pair). */
function quoted(text: string): string {
  let end = 0;
  for (let points = 0; end < text.length && points < QUOTED_CODE_POINTS; points++) end += text.codePointAt(end)! > 0xffff ? 2 : 1;
  return end < text.length ? `${JSON.stringify(text.slice(0, end))}… (a string of ${codePointLength(text)} characters)` : JSON.stringify(text);
}

/** A JSON value as a rejection reason names it: short, and exact for scalars (a long string is cut). */
export function describe(input: unknown): string {
  if (input === undefined) return "nothing (key missing)";
  if (typeof input === "string") return quoted(input);
  if (input === null) return "null";
  if (Array.isArray(input)) return "an array";
  if (typeof input === "object") return "an object";
  // JSON.parse reads 1e400 as Infinity, which JSON.stringify writes as null.
  if (typeof input === "number" && !Number.isFinite(input)) return "a number beyond a double's range";
  return JSON.stringify(input);
}

/** zod's type names as a JSON user knows them. */
const TYPE_NAMES: Record<string, string> = { int: "integer", record: "object" };

/**
 * One zod issue as a rejection reason: `expected one of a|b, got "c"`, `missing required key (expected string)`.
 * `written` is the number at the issue's path as the record spells it: the double (Infinity for
 * 1e400, …992 for …993) would misname it.
 */
export function reasonOf(issue: z.core.$ZodIssue, written?: string): string {
  const input = (issue as { input?: unknown }).input;
  const got = written === undefined ? describe(input) : describeNumberToken(written);
  switch (issue.code) {
    case "invalid_type": {
      const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
      return input === undefined ? `missing required key (expected ${expected})` : `expected ${expected}, got ${got}`;
    }
    case "invalid_value":
      return issue.values.length === 1 ? `expected ${JSON.stringify(issue.values[0])}, got ${got}` : `expected one of ${issue.values.join("|")}, got ${got}`;
    case "invalid_union": {
      // A discriminated union that found no branch: name the discriminator's allowed values.
      const { discriminator, options } = issue as { discriminator?: string; options?: unknown[] };
      if (discriminator !== undefined && Array.isArray(options)) {
        const value = input !== null && typeof input === "object" ? (input as Record<string, unknown>)[discriminator] : undefined;
        const allowed = options.map(String).join("|");
        return value === undefined ? `missing required key (expected one of ${allowed})` : `expected one of ${allowed}, got ${describe(value)}`;
      }
      return issue.message;
    }
    case "too_big":
    case "too_small": {
      // zod's integers stop at 2^53-1: past it a double cannot tell neighbours apart, so no timestamp or count lives there.
      if (issue.origin === "int" && written !== undefined) return `expected integer, got ${got}`;
      const [bound, word] = issue.code === "too_big" ? [issue.maximum, issue.inclusive === false ? "less than" : "at most"] : [issue.minimum, issue.inclusive === false ? "more than" : "at least"];
      return `expected ${word} ${String(bound)}, got ${got}`;
    }
    default:
      return issue.message;
  }
}

/** The field a JSON path names, as the object that holds it names it: an event's `$.data.x` is its data's `x`; none for `$`. */
function fieldAt(path: string, inEvent: boolean): string {
  return (inEvent ? path.replace(/^\$\.data(?=[.[])/, "$") : path).replace(/^\$\.?/, "");
}

/**
 * A rejection's reason led by the field its path names (CONTRACT §4: `status: expected one of …` for
 * `$.data.status`), so that the reason read alone says what it is about; none for the record as a whole.
 */
export function namingField(reason: string, path: string | null, inEvent: boolean): string {
  const field = path === null ? "" : fieldAt(path, inEvent);
  return field ? `${field}: ${reason}` : reason;
}

/** A reason without the field namingField led it with: for a line that names the path before it (CONTRACT §8). */
export function afterField(reason: string, path: string | null): string {
  if (path === null) return reason;
  for (const field of [fieldAt(path, true), fieldAt(path, false)]) if (field && reason.startsWith(`${field}: `)) return reason.slice(field.length + 2);
  return reason;
}
