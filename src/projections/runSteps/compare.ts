import { canonicalJson, codePointLength, compareCodePoints } from "../../records/canonical.js";
import { sameJsonText, type JsonObject } from "../../records/json.js";

/** The first non-null of completed_at, failed_at, cancelled_at, expired_at. */
export function terminalTimestamp(step: JsonObject): number | null {
  for (const key of ["completed_at", "failed_at", "cancelled_at", "expired_at"]) {
    const value = step[key];
    if (typeof value === "number") return value;
  }
  return null;
}

/**
 * The canonical JSON of a snapshot or details object, computed once per object: the fold compares
 * the same winner with every newcomer, and folded values are never mutated.
 */
const canonicalCache = new WeakMap<object, string>();
function canonicalOf(value: unknown): string {
  if (value === null || typeof value !== "object") return canonicalJson(value);
  let canonical = canonicalCache.get(value);
  if (canonical === undefined) canonicalCache.set(value, (canonical = canonicalJson(value)));
  return canonical;
}

/**
 * Ties between equally ranked values go to the larger canonical JSON string (of the value as
 * received: a key it leaves out is not a `null`). Equal canonical JSON in another key order goes
 * to the larger text, so that the row is the same bytes whichever arrived first.
 */
export function compareCanonical(a: unknown, b: unknown): number {
  // Snapshots of one step or run are mostly equal (`created` and `in_progress` carry the same object),
  // and equal JSON text means equal canonical JSON: no need to build either form then (a walk costs
  // a quarter of the two texts).
  if (sameJsonText(a, b)) return 0;
  return compareCodePoints(canonicalOf(a), canonicalOf(b)) || compareCodePoints(JSON.stringify(a), JSON.stringify(b));
}

/** Orders two terminal snapshots: larger terminal timestamp (null lowest), then larger canonical JSON. */
export function compareTerminal(a: JsonObject, b: JsonObject): number {
  const ta = terminalTimestamp(a);
  const tb = terminalTimestamp(b);
  if (ta !== tb) return (ta ?? -Infinity) - (tb ?? -Infinity);
  return compareCanonical(a, b);
}

/**
 * Orders two step_details candidates: longer canonical JSON (in code points), then the larger string, then, for equal
 * canonical JSON in another key order, the larger text (as compareCanonical), so that the row is the same bytes
 * whichever arrived first.
 */
export function compareDetails(a: unknown, b: unknown): number {
  const ca = canonicalOf(a);
  const cb = canonicalOf(b);
  const la = codePointLength(ca);
  const lb = codePointLength(cb);
  if (la !== lb) return la - lb;
  return compareCodePoints(ca, cb) || compareCodePoints(JSON.stringify(a), JSON.stringify(b));
}
