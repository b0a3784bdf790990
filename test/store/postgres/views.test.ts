import Database from "better-sqlite3";
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DIMENSIONS, VIEW_NAMES, type MetricsQuery, type StepFilter } from "../../../src/analytics/metrics.js";
import { REPORT_VALUES, rollupMetricsQuery, rollupOverallQuery } from "../../../src/analytics/rollupMetrics.js";
import { openDatabase } from "../../../src/store/open.js";
import { openPostgresDatabase, type PostgresDatabase } from "../../../src/store/postgres/database.js";
import { migratePostgres } from "../../../src/store/postgres/migrate.js";
import type { SqlValue } from "../../../src/store/sqlPort.js";
import { snapshotRuns, snapshotSteps, storeOf, utcDay } from "../../analytics/truth.js";
import { tempDb } from "../../helpers/cli.js";
import { describePostgres, useFreshDatabase } from "../../helpers/postgres.js";
import { generateWorld } from "../../world/world.js";

type Row = Record<string, SqlValue>;

/** Copies rows into PostgreSQL, a few hundred per INSERT. */
async function insertRows(pg: PostgresDatabase, table: string, rows: Row[]): Promise<void> {
  for (let start = 0; start < rows.length; start += 200) {
    const chunk = rows.slice(start, start + 200);
    const columns = Object.keys(chunk[0]!);
    const values = chunk.map(() => `(${columns.map(() => "?").join(", ")})`).join(", ");
    await pg.run(`INSERT INTO ${table} (${columns.join(", ")}) VALUES ${values}`, chunk.flatMap((row) => columns.map((c) => row[c] ?? null)));
  }
}

/** Each view's rows on both stores. */
async function viewsOnBoth(sqlite: Database.Database, pg: PostgresDatabase) {
  const views = Object.values(VIEW_NAMES);
  const fromSqlite = views.map((view) => sqlite.prepare(`SELECT * FROM ${view}`).all());
  const fromPg = await Promise.all(views.map((view) => pg.all(`SELECT * FROM ${view}`)));
  return { fromSqlite, fromPg };
}

describePostgres("the analytics views on PostgreSQL", () => {
  const url = useFreshDatabase();
  let pg: PostgresDatabase;
  let sqlite: Database.Database;
  let filters: StepFilter[];

  beforeAll(async () => {
    pg = await openPostgresDatabase(url());
    await migratePostgres(pg.pool, url());
    const world = generateWorld(20261130, { runs: 40 });
    const snapshots = snapshotSteps(300);
    sqlite = new Database(await storeOf(world, snapshots, snapshotRuns(snapshots)), { readonly: true });
    for (const table of ["run_steps", "run_step_tools", "runs", "step_summaries"]) await insertRows(pg, table, sqlite.prepare(`SELECT * FROM ${table}`).all() as Row[]);
    const days = [...new Set(snapshots.map((s) => utcDay(s.created_at)))].sort();
    filters = [
      {}, { from: days[2]!, to: days.at(-3)! }, { assistant: world.assistants[0]! }, { from: days[1]!, to: days.at(-2)!, assistant: "asst_Émile" },
      { model: "gpt-4o-mini" }, { model: "(unknown)", from: days[1]! },
    ];
  });
  afterAll(async () => {
    sqlite?.close();
    await pg?.close();
  });

  it("given a world's steps folded by SQLite and copied into PostgreSQL, then every view has the same rows, column for column", async () => {
    const { fromSqlite, fromPg } = await viewsOnBoth(sqlite, pg);
    expect(fromSqlite.every((rows) => rows.length > 0)).toBe(true);
    expect(fromPg).toEqual(fromSqlite);
  });

  it("and the report's queries (summaries, or the steps a filter keeps), their models (the cost basis) and the overall row agree too", async () => {
    // Each row ends in its models' JSON text; the stores space and write numbers differently in it, so compare it parsed.
    const modelsAt = 1 + REPORT_VALUES.indexOf("models");
    const parsed = (rows: unknown[][]): unknown[][] => rows.map((row) => row.map((value, i) => (i === modelsAt ? JSON.parse(value as string) : value)));
    const fromSqlite = (query: MetricsQuery) => parsed(sqlite.prepare(query.sql).raw().all(...query.params) as unknown[][]);
    const fromPg = async (query: MetricsQuery) => parsed(await pg.rows(query.sql, query.params));
    let priced = 0;
    for (const filter of filters) {
      for (const dimension of DIMENSIONS) {
        const lite = fromSqlite(rollupMetricsQuery("sqlite", dimension, filter));
        expect(await fromPg(rollupMetricsQuery("postgres", dimension, filter)), `${dimension} ${JSON.stringify(filter)}`).toEqual(lite);
        priced += lite.filter((row) => (row[modelsAt] as unknown[]).length > 0).length;
      }
      expect(await fromPg(rollupOverallQuery("postgres", filter))).toEqual(fromSqlite(rollupOverallQuery("sqlite", filter)));
    }
    expect(priced).toBeGreaterThan(0);
  });
});

const nullable = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: null, freq: 4 });

/** Steps as the views see them, with what tells the dialects apart: NULL keys and statuses, keys that sort differently by locale than by code point, ties. */
const stepRows = fc.uniqueArray(
  fc.record({
    id: fc.string({ minLength: 1, maxLength: 4 }),
    assistant_id: nullable(fc.constantFrom("asst_a", "asst_B", "asst_b", "asst_É", "asst_z", "asst_😀", "")),
    type: nullable(fc.constantFrom("message_creation", "tool_calls")),
    status: nullable(fc.constantFrom("in_progress", "completed", "failed", "cancelled", "expired")),
    created_at: nullable(fc.integer({ min: 0, max: 2_000_000_000 })),
    completion_seconds: nullable(fc.integer({ min: 0, max: 40 })),
    prompt_tokens: nullable(fc.integer({ min: 0, max: 100_000 })),
    completion_tokens: nullable(fc.integer({ min: 0, max: 100_000 })),
    total_tokens: nullable(fc.integer({ min: 0, max: 200_000 })),
    last_error_code: nullable(fc.constantFrom("server_error", "rate_limit_exceeded", "Invalid", "émoji")),
    tools: fc.uniqueArray(fc.constantFrom("function", "Function", "file_search", "code_interpreter", "ß"), { maxLength: 3 }),
  }),
  { selector: (row) => row.id, minLength: 1, maxLength: 60 },
);

describePostgres("the analytics views on PostgreSQL, for any steps", () => {
  const url = useFreshDatabase();
  let pg: PostgresDatabase;
  let sqlite: ReturnType<typeof openDatabase>;

  beforeAll(async () => {
    pg = await openPostgresDatabase(url());
    await migratePostgres(pg.pool, url());
    sqlite = openDatabase(tempDb());
  });
  afterAll(async () => {
    sqlite?.close();
    await pg?.close();
  });

  it("given the same run_steps rows in both stores, then every view has the same rows", async () => {
    await fc.assert(
      fc.asyncProperty(stepRows, async (steps) => {
        const rows = steps.map(({ tools: _, ...row }) => row);
        const tools = steps.flatMap((step) => step.tools.map((tool) => ({ step_id: step.id, tool })));
        for (const table of ["run_step_tools", "run_steps"]) {
          sqlite.sqlite.prepare(`DELETE FROM ${table}`).run();
          await pg.run(`DELETE FROM ${table}`);
        }
        for (const [table, list] of [["run_steps", rows], ["run_step_tools", tools]] as const) {
          if (list.length === 0) continue;
          const columns = Object.keys(list[0]!);
          const insert = sqlite.sqlite.prepare(`INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map((c) => `@${c}`).join(", ")})`);
          for (const row of list) insert.run(row);
          await insertRows(pg, table, list as Row[]);
        }
        const { fromSqlite, fromPg } = await viewsOnBoth(sqlite.sqlite, pg);
        expect(fromPg).toEqual(fromSqlite);
      }),
      { numRuns: 40, seed: 20261130 },
    );
  });
});
