import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stepstore, tempDb, tempDir } from "../helpers/cli.js";
import { storeRows } from "../helpers/storeRows.js";

const thread = (id: string) => JSON.stringify({ id, object: "thread", created_at: 1755180000 });

describe("log positions", () => {
  it("increase in arrival order and are the same on both stores: duplicates in a file or in later ingests take no row and draw no number", async () => {
    const dir = tempDir();
    const db = tempDb();
    const first = join(dir, "first.jsonl");
    writeFileSync(first, [thread("thread_1"), thread("thread_1"), thread("thread_2")].join("\n") + "\n");
    const second = join(dir, "second.jsonl");
    writeFileSync(second, [thread("thread_2"), thread("thread_3")].join("\n") + "\n");
    for (const file of [first, first, second]) expect((await stepstore(["ingest", "--db", db, file])).code).toBe(0);
    const rows = await storeRows(db, "SELECT position, thread_id FROM events ORDER BY position");
    expect(rows.map((row) => row.thread_id)).toEqual(["thread_1", "thread_2", "thread_3"]);
    expect(rows.map((row) => row.position)).toEqual([1, 2, 3]);
    expect((await stepstore(["status", "--db", db])).stdout).toMatch(/^position {5}3$/m);
  });
});
