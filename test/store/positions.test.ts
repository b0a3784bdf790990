import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stepstore, tempDb, tempDir } from "../helpers/cli.js";
import { pgHalf } from "../helpers/storeUnderTest.js";
import { storeRows } from "../helpers/storeRows.js";

const thread = (id: string) => JSON.stringify({ id, object: "thread", created_at: 1755180000 });

describe("log positions", () => {
  it("increase in arrival order, duplicates in a file or in later ingests taking no row; SQLite's are contiguous, PostgreSQL's skip the numbers duplicates drew", async () => {
    const dir = tempDir();
    const db = tempDb();
    const first = join(dir, "first.jsonl");
    writeFileSync(first, [thread("thread_1"), thread("thread_1"), thread("thread_2")].join("\n") + "\n");
    const second = join(dir, "second.jsonl");
    writeFileSync(second, [thread("thread_2"), thread("thread_3")].join("\n") + "\n");
    for (const file of [first, first, second]) expect((await stepstore(["ingest", "--db", db, file])).code).toBe(0);
    const rows = await storeRows(db, "SELECT position, thread_id FROM events ORDER BY position");
    expect(rows.map((row) => row.thread_id)).toEqual(["thread_1", "thread_2", "thread_3"]);
    const positions = rows.map((row) => row.position as number);
    if (pgHalf) expect(positions[0]! < positions[1]! && positions[1]! < positions[2]!).toBe(true);
    else expect(positions).toEqual([1, 2, 3]);
    expect((await stepstore(["status", "--db", db])).stdout).toMatch(new RegExp(`^position {5}${positions[2]}$`, "m"));
  });
});
