import { afterAll, beforeAll, expect, it } from "vitest";
import { createEventKeyer } from "../../../src/records/eventKey.js";
import type { SqlDatabase, SqlPort } from "../../../src/store/sqlPort.js";
import { openPostgresStepstore, wireProjections } from "../../../src/stepstore.js";
import { keyed } from "../../projections/projectionSpec.js";
import { runEvent, stepEvent } from "../../projections/specEvents.js";
import { describePostgres, freshDatabase } from "../../helpers/postgres.js";

type Json = Record<string, unknown>;

/** The store's database, each write transaction's statements recorded in the order they are issued. */
function recording(sql: SqlDatabase, issued: string[]): SqlDatabase {
  const port = (tx: SqlPort): SqlPort => {
    const log = <M extends "all" | "get" | "rows" | "run" | "write">(method: M) =>
      ((text: string, params?: never) => (issued.push(text), (tx[method] as (t: string, p?: never) => unknown)(text, params))) as SqlPort[M];
    return { ...tx, all: log("all"), get: log("get"), rows: log("rows"), run: log("run"), write: log("write") };
  };
  return { ...sql, transaction: (fn) => sql.transaction((tx) => fn(port(tx))) };
}

/** The summaries a transaction read once its events were inserted: those its read ahead did not have. */
const readWhileApplying = (issued: readonly string[]) =>
  issued.slice(issued.findIndex((text) => text.startsWith("INSERT INTO events"))).filter((text) => /^SELECT\b.*\bFROM step_summaries\b/s.test(text));

const usage = { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150 };
const searchCall = { id: "call_1", type: "function", function: { name: "search_kb", arguments: "{}", output: "[]" } };

describePostgres("an append on PostgreSQL reads the summaries its step snapshots move ahead, with its events' insert", () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => (database = await freshDatabase()));
  afterAll(() => database?.drop());

  it("given a run's first steps, when a group of snapshots completes, fails and starts its steps, then none is read once the events are in, and a run's new model reads the rest", async () => {
    const store = await openPostgresStepstore(database.url);
    try {
      const issued: string[] = [];
      const { append, rebuild } = wireProjections(recording(store.sql, issued));
      const keyOf = createEventKeyer("read-ahead");
      let sent = 0;
      const group = async (events: Json[]) => {
        issued.length = 0;
        await append({ source: "webhook", accepted: keyed(events, keyOf, sent), rejected: [] });
        sent += events.length;
        return readWhileApplying(issued);
      };
      await group([runEvent("in_progress"), stepEvent("in_progress", { id: "step_a" }), stepEvent("completed", { id: "step_b", completed_at: 1_755_180_012, usage })]);

      // A tool the step had not named, an error code, a type and an hour no summary holds yet: each named by its snapshot.
      const later = await group([
        stepEvent("completed", { id: "step_a", completed_at: 1_755_180_020, usage, step_details: { type: "tool_calls", tool_calls: [searchCall] } }),
        stepEvent("failed", { id: "step_c", failed_at: 1_755_180_030, last_error: { code: "server_error", message: "upstream" } }),
        stepEvent("in_progress", { id: "step_d", created_at: 1_755_190_000, type: "message_creation", step_details: { type: "message_creation", message_creation: { message_id: "msg_1" } } }),
      ]);
      expect(later).toEqual([]);

      // The run's model moves its four steps in every dimension: what the run snapshot cannot name is read as it applies.
      const moved = await group([runEvent("completed", { model: "gpt-4o-mini", completed_at: 1_755_190_100 })]);
      expect(moved.length).toBeGreaterThan(0);

      const appended = await store.sql.all("SELECT * FROM step_summaries ORDER BY cell");
      expect(appended.filter((row) => (row as { dimension: string }).dimension === "model")).toMatchObject([{ key: "gpt-4o-mini", steps: 4 }]);
      await rebuild();
      expect(await store.sql.all("SELECT * FROM step_summaries ORDER BY cell")).toEqual(appended);
    } finally {
      await store.close();
    }
  });
});
