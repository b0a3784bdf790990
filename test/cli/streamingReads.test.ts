import { spawn } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { formatTable, type Row } from "../../src/cli/output.js";
import { openStore } from "../../src/openStore.js";
import { BIN, emptyStore, stepstore } from "../helpers/cli.js";

const STEPS = 16_000;
// ~64 MB of steps (run_big) against a 64 MB heap: the old commands held every row, its parsed object and the
// whole output at once and needed ~150 MB; one page of 1,000 rows needs ~30 MB in all.
const HEAP_MB = 64;
const SMALL_STEPS = 3_000;

/**
 * Steps written straight into run_steps in one statement (portable SQL: a recursive count), since ingesting
 * 64 MB would cost this test most of a minute; only the read commands read them. Three steps share each
 * created_at when `tied`, so pages end inside a tie (the order is created_at, then id).
 */
async function addSteps(db: string, { run, count, note, tied }: { run: string; count: number; note: string; tied: boolean }) {
  const store = await openStore(db, { mode: "write", notify: null });
  const createdAt = tied ? "1755180000 + i / 3" : "1755180000 + i";
  // Ids descend as time ascends: a store's order is its own, not the ids'.
  const id = `'step_${run}_' || (900000 - i)`;
  try {
    await store.sql.run(
      `INSERT INTO run_steps (id, object, created_at, assistant_id, thread_id, run_id, type, status, data)
       WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       SELECT ${id}, 'thread.run.step', ${createdAt}, 'asst_1', 'thread_1', ?, 'tool_calls', 'completed',
         '{"id":"' || ${id} || '","object":"thread.run.step","created_at":' || (${createdAt}) || ',"run_id":"' || ? || '","x_note":"' || ? || '"}'
       FROM n`,
      [count, run, run, note],
    );
  } finally {
    await store.close();
  }
}

/** The real binary with a small heap: its exit, stderr, and how many lines it printed before `stopAfter` (then its stdout is closed, as `head` does). */
function stepsWithSmallHeap(args: string[], stopAfter = Infinity): Promise<{ code: number | null; lines: number; stderr: string }> {
  const child = spawn(process.execPath, [`--max-old-space-size=${HEAP_MB}`, BIN, ...args]);
  let lines = 0;
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    for (const byte of chunk) if (byte === 10) lines++;
    if (lines >= stopAfter) child.stdout.destroy();
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end();
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, lines, stderr }));
  });
}

describe("steps streams its rows: memory does not grow with the store", () => {
  let db: string;
  beforeAll(async () => {
    db = await emptyStore();
    await addSteps(db, { run: "run_big", count: STEPS, note: "n".repeat(4_000), tied: false });
    await addSteps(db, { run: "run_small", count: SMALL_STEPS, note: "a\\tb  c", tied: true });
  });

  it(`prints all ${STEPS} steps (~64 MB) in a ${HEAP_MB} MB heap, where holding them all ran out of memory`, async () => {
    const result = await stepsWithSmallHeap(["steps", "--db", db, "--run", "run_big"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.lines).toBe(STEPS);
  });

  it("`steps | head -1` on that store exits 0 quietly in the same heap, before reading the rest", async () => {
    const result = await stepsWithSmallHeap(["steps", "--db", db, "--run", "run_big"], 1);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.lines).toBeLessThan(STEPS);
  });

  it("json and table across pages are the bytes of the whole rows formatted at once, ties in created_at split by id", async () => {
    const args = ["steps", "--db", db, "--run", "run_small"];
    const rows = (await stepstore(args)).stdout.split("\n").filter(Boolean).map((line) => JSON.parse(line) as Row);
    expect(rows).toHaveLength(SMALL_STEPS);
    expect(rows.map((r) => `${r.created_at} ${r.id}`)).toEqual(rows.map((r) => `${r.created_at} ${r.id}`).sort());
    expect((await stepstore([...args, "--format", "json"])).stdout).toBe(`${JSON.stringify(rows, null, 2)}\n`);
    const columns = ["id", "created_at", "run_id", "type", "status", "assistant_id"];
    expect((await stepstore([...args, "--format", "table"])).stdout).toBe(formatTable(rows, columns));
  });
});
