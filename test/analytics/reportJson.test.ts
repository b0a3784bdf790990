import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { stepstore, tempDb, tempDir } from "../helpers/cli.js";
import { stepLine } from "../helpers/hostile.js";

/** Keys JSON must escape, and characters beyond ASCII: each must come back the same string through the stores' JSON aggregates. */
const KEYS = ['say "hi"', "back\\slash", "line\nbreak", "tab\there", "\u0001control", "\u2028separator", "emoji 😀", "asst_é"];
const T = 1755180000;

const completed = (id: string, assistant: string, seconds: number) =>
  stepLine(id, { assistant_id: assistant, status: "completed", completed_at: T + seconds });
const failed = (id: string, assistant: string) =>
  stepLine(id, { assistant_id: assistant, status: "failed", failed_at: T + 5, last_error: { code: "server_error", message: "boom" } });

let db: string;
beforeAll(async () => {
  db = tempDb();
  const file = join(tempDir(), "steps.jsonl");
  const lines = [
    ...KEYS.map((key, i) => completed(`step_Key${i}`, key, 1)),
    // Ratios whose doubles do not terminate: failure rate 2/5, mean 4/3.
    completed("step_R1", "asst_ratio", 1), completed("step_R2", "asst_ratio", 1), completed("step_R3", "asst_ratio", 2),
    failed("step_R4", "asst_ratio"), failed("step_R5", "asst_ratio"),
  ];
  writeFileSync(file, lines.join("\n") + "\n");
  expect((await stepstore(["ingest", "--db", db, file])).code).toBe(0);
});

it("given keys with quotes, backslashes, control and non-ASCII characters, the JSON report names each exactly, once", async () => {
  const { stdout, code } = await stepstore(["report", "--db", db, "--by", "assistant"]);
  expect(code).toBe(0);
  const rows = (JSON.parse(stdout) as { rows: { key: string; steps: number }[] }).rows;
  expect(rows.map((row) => row.key).sort()).toEqual([...KEYS, "asst_ratio"].sort());
  for (const row of rows) expect(row.steps).toBe(row.key === "asst_ratio" ? 5 : 1);
});

it("and its ratios are the same doubles JavaScript divides to: 2/5 failed, a mean of 4/3 seconds", async () => {
  const { stdout } = await stepstore(["report", "--db", db, "--by", "assistant", "--assistant", "asst_ratio"]);
  const [row] = (JSON.parse(stdout) as { rows: { failure_rate: number; avg_completion_seconds: number; p50_completion_seconds: number }[] }).rows;
  expect(row).toMatchObject({ failure_rate: 2 / 5, avg_completion_seconds: 4 / 3, p50_completion_seconds: 1 });
  // Written as JavaScript writes them (shortest form), not as SQL's 17 digits.
  expect(stdout).toContain(`"avg_completion_seconds": ${4 / 3},`);
});

it("given steps in 250 hours, the JSON report by hour, written in parts, is one JSON text of 250 rows, the same on stdout and in --out", async () => {
  const hours = tempDb();
  const file = join(tempDir(), "hours.jsonl");
  const lines = Array.from({ length: 250 }, (_, i) =>
    stepLine(`step_H${i}`, { assistant_id: `asst_${i % 3}`, status: "completed", created_at: T + i * 3600, completed_at: T + i * 3600 + 1 }));
  writeFileSync(file, lines.join("\n") + "\n");
  expect((await stepstore(["ingest", "--db", hours, file])).code).toBe(0);
  const { stdout, code } = await stepstore(["report", "--db", hours, "--by", "hour"]);
  expect(code).toBe(0);
  const report = JSON.parse(stdout) as { rows: { key: string; steps: number }[] };
  expect(report.rows.map((row) => row.steps)).toEqual(Array(250).fill(1));
  expect(report.rows.map((row) => row.key)).toEqual([...report.rows.map((row) => row.key)].sort());
  expect(stdout).toBe(`${JSON.stringify(report, null, 2)}\n`);
  const out = join(tempDir(), "report.json");
  expect((await stepstore(["report", "--db", hours, "--by", "hour", "--out", out])).code).toBe(0);
  expect(readFileSync(out, "utf8")).toBe(stdout);
});
