import { openStore } from "../../src/openStore.js";
import { recordsOf, type AcceptedRecord } from "../../src/records/classify.js";
import { createEventKeyer } from "../../src/records/eventKey.js";
import type { JsonObject } from "../../src/records/json.js";
import type { KeyedRecord } from "../../src/store/append.js";

/** The keys whose numbers are times (records/times.ts): what a store made before 2026-12-05 took outside years 1–9999. */
const TIME_KEYS = new Set(["created_at", "completed_at", "failed_at", "cancelled_at", "expired_at", "started_at", "expires_at"]);

/**
 * A record as a store made before times outside years 1–9999 were refused took it: classified with its times set in
 * range, then given its own back (its payload, and the bytes the log keeps).
 */
export function acceptedAsBefore(value: JsonObject, origin: string): AcceptedRecord {
  const inRange = JSON.parse(JSON.stringify(value, (key, v: unknown) => (TIME_KEYS.has(key) && typeof v === "number" ? 0 : v))) as JsonObject;
  const [record] = [...recordsOf(inRange, JSON.stringify(inRange), origin)];
  if (!record?.ok) throw new Error(`not a valid record even with its times in range: ${JSON.stringify(value)}`);
  const data = JSON.stringify(value);
  return { ...record, value, payload: value, data };
}

/** Records keyed as `ingest` keys them, each taken as a store made before the time rule took it. */
export function keyedAsBefore(values: JsonObject[], origin = "before.jsonl"): KeyedRecord[] {
  const keyOf = createEventKeyer(origin);
  return values.map((value) => {
    const record = acceptedAsBefore(value, origin);
    return { record, key: keyOf.key(record) };
  });
}

/** Appends records to a store (made if missing) as one made before the time rule took them. */
export async function appendAsBefore(location: string, values: JsonObject[]): Promise<void> {
  const store = await openStore(location, { mode: "write", notify: null });
  try {
    await store.append({ source: "file", accepted: keyedAsBefore(values), rejected: [] });
  } finally {
    await store.close();
  }
}
