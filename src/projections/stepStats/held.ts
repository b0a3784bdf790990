import type { SqlPort } from "../../store/sqlPort.js";
import type { HeldSummary } from "./summary.js";

/**
 * The most summaries, and the most runs' models, a writer holds between transactions (past it, it starts again). A
 * batch touches ~10 summaries (the hour and day of now, its assistants, models, types, tools) and
 * a few runs, the same ones batch after batch; each held summary is about the size of its stored row.
 */
export const MAX_HELD = 4096;

/** What a writer holds of the rollups' rows: the summaries by cell, and each run's model (null: none) as `runs` has it. */
export interface Held {
  /** Whether what is held outlasts this transaction (false where the store cannot tell: held for it alone). */
  lasting: boolean;
  epoch: string;
  summaries: Map<string, HeldSummary>;
  runModels: Map<string, string | null>;
}

const heldByPort = new WeakMap<SqlPort, Held>();

/**
 * What this connection's writer holds from its earlier transactions, while the store says it is still as stored
 * (`SqlPort.rowsEpoch`: SQLite, where reading each touched summary back was a third of the rollups' cost a webhook,
 * and reading the runs' models a tenth). Where the store cannot tell (PostgreSQL, where other processes write),
 * nothing held, for this transaction alone. Called inside the write transaction; the writer holds what it writes as it
 * writes it, and a transaction that rolls back changes the epoch, so what it held is dropped.
 */
export function heldRows(tx: SqlPort): Held {
  const epoch = tx.rowsEpoch?.();
  if (epoch === undefined) return { lasting: false, epoch: "", summaries: new Map(), runModels: new Map() };
  let held = heldByPort.get(tx);
  if (held?.epoch !== epoch) heldByPort.set(tx, (held = { lasting: true, epoch, summaries: new Map(), runModels: new Map() }));
  return held;
}

/**
 * Holds a value; past MAX_HELD, what was held is dropped first (read again when next touched: a few reads once in
 * 4,096 new keys, where keeping them in order of use cost every touch a delete and an insert).
 */
export function hold<K, V>(held: Map<K, V>, key: K, value: V): void {
  if (held.size >= MAX_HELD && !held.has(key)) held.clear();
  held.set(key, value);
}

/** Drops what this connection's writer holds: the summaries are being truncated. */
export function forgetHeld(tx: SqlPort): void {
  heldByPort.delete(tx);
}
