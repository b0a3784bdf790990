import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { stepstore, tempDb, tempDir } from "../../helpers/cli.js";
import { describePostgres, freshDatabase } from "../../helpers/postgres.js";

// Ids that a natural-language collation orders otherwise than code points do: upper case before lower, accents after.
const IDS = ["step_a", "step_Z", "step_é", "step_B", "step_10", "step_9"];
const step = (id: string) => JSON.stringify({
  id, object: "thread.run.step", created_at: 1755180000, assistant_id: "asst_Coll", thread_id: "thread_Coll", run_id: "run_Coll",
  type: "message_creation", status: "completed", step_details: { type: "message_creation", message_creation: { message_id: `msg_${id}` } },
  last_error: null, expired_at: null, cancelled_at: null, failed_at: null, completed_at: 1755180005, metadata: {}, usage: null,
});

describePostgres("a PostgreSQL database whose default collation is a language's (ICU en-US)", () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let sqlite: string;
  beforeAll(async () => {
    database = await freshDatabase("TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'");
    const file = join(tempDir(), "steps.jsonl");
    writeFileSync(file, IDS.map(step).join("\n") + "\n");
    sqlite = tempDb();
    for (const db of [database.url, sqlite]) expect((await stepstore(["ingest", "--db", db, file])).code).toBe(0);
  });
  afterAll(() => database?.drop());

  it("orders steps of one created_at by id in code point order, byte for byte as SQLite does (CONTRACT §10)", async () => {
    const postgres = await stepstore(["steps", "--db", database.url]);
    const embedded = await stepstore(["steps", "--db", sqlite]);
    expect(postgres.stdout.trim().split("\n").map((line) => (JSON.parse(line) as { id: string }).id)).toEqual([...IDS].sort());
    expect(postgres.stdout).toBe(embedded.stdout);
  });

  it("runs a user's ORDER BY and min() on text the same on both stores", async () => {
    const query = "SELECT id, (SELECT min(id) FROM run_steps) AS least FROM run_steps ORDER BY id";
    const postgres = await stepstore(["sql", "--db", database.url, "--format", "jsonl", query]);
    const embedded = await stepstore(["sql", "--db", sqlite, "--format", "jsonl", query]);
    expect(postgres.stdout).toBe(embedded.stdout);
    expect((JSON.parse(postgres.stdout.split("\n")[0]!) as { least: string }).least).toBe("step_10");
  });
});
