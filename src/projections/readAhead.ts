import type { LogEvent } from "../records/events.js";

/**
 * Reads a projection starts before its batch's events are appended (Projection.readAhead): on PostgreSQL they leave
 * with the events' insert, one round trip, where each read made in turn while applying the batch was one more, all
 * of them under the log's append lock (appendLock.ts). Keyed: what was read for which keys, so that `apply` reads
 * only the keys the read ahead could not know (a step its run's expiry reached, say).
 */
interface KeyedValues<V> {
  /** The keys read: one without a value has none in the store. */
  asked: ReadonlySet<string>;
  values: ReadonlyMap<string, V>;
}

export type ReadAhead<V> = Promise<KeyedValues<V>>;

/**
 * A read ahead started. A batch whose records all turn out duplicates never applies it: its failure is then not an
 * unhandled rejection here; the transaction fails with it all the same (PostgreSQL's port: the first statement that failed).
 */
export function readAhead<V>(read: Promise<KeyedValues<V>>): ReadAhead<V> {
  read.catch(() => {});
  return read;
}

/** The values of `keys` (those without one left out): from the read ahead where it asked for them, the others read now. */
export async function valuesOf<V>(
  ahead: ReadAhead<V> | undefined,
  keys: readonly string[],
  read: (keys: readonly string[]) => Promise<ReadonlyMap<string, V>>,
): Promise<Map<string, V>> {
  const known = ahead && (await ahead);
  const values = new Map<string, V>();
  const missing: string[] = [];
  for (const key of keys) {
    if (!known?.asked.has(key)) missing.push(key);
    else if (known.values.has(key)) values.set(key, known.values.get(key)!);
  }
  if (missing.length > 0) for (const [key, value] of await read(missing)) values.set(key, value);
  return values;
}

/** The steps a batch's events are about, and the runs they name (a run's own events, a step snapshot's `run_id`). */
export function idsNamed(events: readonly LogEvent[]): { stepIds: string[]; runIds: string[] } {
  const stepIds = new Set<string>();
  const runIds = new Set<string>();
  for (const event of events) {
    if (event.kind === "run") runIds.add(event.payload.id);
    else if (event.kind === "step" || event.kind === "stepDelta") stepIds.add(event.payload.id);
    if (event.kind === "step" && typeof event.payload.run_id === "string") runIds.add(event.payload.run_id);
  }
  return { stepIds: [...stepIds], runIds: [...runIds] };
}
