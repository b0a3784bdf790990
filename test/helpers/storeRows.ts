import { openStore } from "../../src/openStore.js";
import { eventPages, type EventRow } from "../../src/store/readEvents.js";
import type { SqlPort, SqlValue } from "../../src/store/sqlPort.js";

/** A query's rows on a store of either kind, opened for reading as the read commands open it. */
export async function storeRows<T = Record<string, unknown>>(location: string, sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
  const store = await openStore(location, { mode: "read" });
  try {
    return await store.sql.all<T>(sql, params);
  } finally {
    await store.close();
  }
}

/** A statement run on the store behind the CLI's back, as a hand edit or another program would: SQLite's file, or PostgreSQL's database. */
export async function writeBehindStore(location: string, sql: string): Promise<void> {
  if (!/^postgres(ql)?:\/\//.test(location)) {
    const Database = (await import("better-sqlite3")).default;
    const sqlite = new Database(location);
    try {
      sqlite.exec(sql);
    } finally {
      sqlite.close();
    }
    return;
  }
  const pg = (await import("pg")).default;
  const client = new pg.Client({ connectionString: location });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A step's log rows (its deltas included), in position order, all at once: a test's few. */
export async function eventsOfStep(port: SqlPort, stepId: string): Promise<EventRow[]> {
  const rows: EventRow[] = [];
  for await (const page of eventPages(port, { stepId }, 1000)) rows.push(...page);
  return rows;
}
