import type { z } from "zod";

/** A JSON value as a rejection reason names it: short, and exact for scalars. */
export function describe(input: unknown): string {
  if (input === undefined) return "nothing (key missing)";
  if (input === null) return "null";
  if (Array.isArray(input)) return "an array";
  if (typeof input === "object") return "an object";
  return JSON.stringify(input);
}

/** zod's type names as a JSON user knows them. */
const TYPE_NAMES: Record<string, string> = { int: "integer", record: "object" };

/** One zod issue as a rejection reason: `expected one of a|b, got "c"`, `missing required key (expected string)`. */
export function reasonOf(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case "invalid_type": {
      const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
      return input === undefined ? `missing required key (expected ${expected})` : `expected ${expected}, got ${describe(input)}`;
    }
    case "invalid_value":
      return issue.values.length === 1
        ? `expected ${JSON.stringify(issue.values[0])}, got ${describe(input)}`
        : `expected one of ${issue.values.join("|")}, got ${describe(input)}`;
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
      return `expected ${issue.inclusive === false ? "less than" : "at most"} ${String(issue.maximum)}, got ${describe(input)}`;
    case "too_small":
      return `expected ${issue.inclusive === false ? "more than" : "at least"} ${String(issue.minimum)}, got ${describe(input)}`;
    default:
      return issue.message;
  }
}
