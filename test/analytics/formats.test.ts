import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { emptyStore, stepstore, tempDb, tempDir } from "../helpers/cli.js";
import { appendAsBefore } from "../helpers/legacyStore.js";
import type { JsonObject } from "../../src/records/json.js";
import { stepLine } from "../helpers/hostile.js";
import { expectRows, snapshotSteps, storeOf, testPricesFile, truthRows } from "./truth.js";
import { generateWorld } from "../world/world.js";

const HEADER = "key,steps,completed,failed,cancelled,expired,in_progress,failure_rate,avg_completion_seconds,p50_completion_seconds,p95_completion_seconds,prompt_tokens,completion_tokens,total_tokens,cost_usd";

let db: string;
const world = generateWorld(5, { runs: 2 });
const snapshots = snapshotSteps(120, 11);

beforeAll(async () => {
  db = await storeOf(world, snapshots);
});

describe("stepstore report --format csv", () => {
  it("given a store, when reported as CSV, then the header is exactly §8's and each row holds the report's values", async () => {
    const [csv, json] = await Promise.all([
      stepstore(["report", "--db", db, "--by", "tool", "--format", "csv"]),
      stepstore(["report", "--db", db, "--by", "tool", "--format", "json"]),
    ]);
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout.split("\n")[0]).toBe(HEADER);
    // These keys hold no comma or quote, so a plain split reads the CSV.
    const [header, ...lines] = csv.stdout.trimEnd().split("\n");
    const rows = lines.map((line) => Object.fromEntries(line.split(",").map((value, i) => [header!.split(",")[i]!, value])));
    const expected = (JSON.parse(json.stdout) as { rows: Record<string, unknown>[] }).rows;
    expect(rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === "" ? null : k === "key" ? v : Number(v)])))).toEqual(expected);
  });

  it("given an empty store, when reported as CSV, then it is the header line alone", async () => {
    const result = await stepstore(["report", "--db", await emptyStore(), "--format", "csv"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${HEADER}\n`);
  });
});

describe("stepstore report --format md", () => {
  it("given a store, when reported as Markdown, then it is a table: a header row, a delimiter row, one row per key", async () => {
    const result = await stepstore(["report", "--db", db, "--by", "assistant", "--format", "md"]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    const truth = truthRows({ steps: [...world.steps, ...snapshots], runs: world.runs }, "assistant");
    expect(lines[0]).toBe(`| assistant_id | ${HEADER.split(",").slice(1).join(" | ")} |`);
    expect(lines[1]).toMatch(/^\| --- (\| ---: ){14}\|$/);
    for (const line of lines) expect(line.split(/(?<!\\)\|/).length).toBe(17);
    // Each row: its key, then its counts as the truth has them.
    // A key's punctuation is backslash-escaped: read back as the text it stands for.
    const cells = (line: string) => line.split(/(?<!\\)\|/).slice(1, -1).map((cell) => cell.trim().replace(/\\(.)/g, "$1"));
    expect(lines.slice(2).map((line) => cells(line).slice(0, 7))).toEqual(
      truth.map((row) => [row.key, row.steps, row.completed, row.failed, row.cancelled, row.expired, row.in_progress].map(String)),
    );
  });

  it("given an assistant id holding a link, an image, a bare URL, emphasis and a tag, when reported as Markdown, then each is text a viewer shows as written", async () => {
    const store = tempDb();
    const id = "asst_y [click](javascript:alert(1)) ![img](http://evil/x.png) https://evil.example www.evil.example `code` *b* __init__ ~s~ a|b <i>";
    const file = join(tempDir(), "link.jsonl");
    writeFileSync(file, `${stepLine("step_Link", { assistant_id: id })}\n`);
    expect((await stepstore(["ingest", "--db", store, file])).code).toBe(0);
    const result = await stepstore(["report", "--db", store, "--by", "assistant", "--format", "md"]);
    const key = result.stdout.split("\n")[2]!.split(/(?<!\\)\|/)[1]!.trim();
    // Every ASCII punctuation character escaped, and nothing else: read back, the cell is the id.
    expect(key.replace(/\\([!-/:-@[-`{-~])/g, "")).toBe(id.replace(/[!-/:-@[-`{-~]/g, ""));
    expect(key.replace(/\\(.)/g, "$1")).toBe(id);
    expect(key).toContain("https\\:\\/\\/evil\\.example www\\.evil\\.example");
  });

  it("given an empty store, when reported as Markdown, then the table has its header and no rows", async () => {
    const result = await stepstore(["report", "--db", await emptyStore(), "--by", "error", "--format", "md"]);
    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().split("\n")).toHaveLength(2);
    expect(result.stdout).toMatch(/^\| error_code \| steps \|/);
  });
});

describe("stepstore report: outputs and usage", () => {
  it("given --out naming the SQLite store it reads (or its -wal), when reported, then it is refused (exit 2) and the store is untouched", async () => {
    if (db.startsWith("postgres")) return; // a PostgreSQL store is no file
    const before = readFileSync(db);
    for (const out of [db, `${db}-wal`]) {
      const result = await stepstore(["report", "--db", db, "--out", out]);
      expect([result.code, result.stderr]).toEqual([2, `stepstore: --out ${out}: that is the store being read (${out}); write the report to another file\n`]);
    }
    expect(readFileSync(db).equals(before)).toBe(true);
    expect((await stepstore(["status", "--db", db])).code).toBe(0);
  });

  it("given --out report.html without --format, then the file holds the JSON asked for (the default) and stderr says --format html writes the page", async () => {
    const dir = tempDir();
    const named = await stepstore(["report", "--db", db, "--out", join(dir, "report.html")]);
    expect(named.code).toBe(0);
    expect(named.stderr).toBe(`stepstore: ${join(dir, "report.html")} holds the report as json, not html: --format html writes html\n`);
    expect(JSON.parse(readFileSync(join(dir, "report.html"), "utf8"))).toMatchObject({ dimension: "assistant" });
    for (const [file, format] of [["report.html", "html"], ["report.CSV", "csv"], ["report.txt", "json"], ["report.json", "json"]]) {
      const matching = await stepstore(["report", "--db", db, "--format", format!, "--out", join(dir, file!)]);
      expect({ file, code: matching.code, stderr: matching.stderr }).toEqual({ file, code: 0, stderr: "" });
    }
  });

  it("given --out naming a folder, or a path under a regular file, when reported, then the error names --out", async () => {
    const result = await stepstore(["report", "--db", db, "--out", tempDir()]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^stepstore: --out .+: cannot write the report: EISDIR/);
    // Before: 'stepstore: ENOTDIR: not a directory, stat …', from the check that --out is not the store.
    const file = join(tempDir(), "notes.txt");
    writeFileSync(file, "a regular file\n");
    const underFile = await stepstore(["report", "--db", db, "--out", join(file, "report.csv")]);
    expect(underFile.code).toBe(1);
    expect(underFile.stderr).toMatch(/^stepstore: --out .+report\.csv: cannot write the report: ENOTDIR/);
  });

  it("given --out -, when reported, then the report goes to stdout, as - is stdin for ingest, and no file named - is made", async () => {
    const cwd = tempDir();
    const result = await stepstore(["report", "--db", db, "--by", "day", "--out", "-"], { cwd });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ dimension: "day" });
    expect(result.stdout).toBe((await stepstore(["report", "--db", db, "--by", "day"])).stdout);
    expect(existsSync(join(cwd, "-"))).toBe(false);
  });

  it("given --out FILE, when reported, then the report is written to the file and nothing to stdout", async () => {
    const out = join(tempDir(), "report.json");
    // The real binary, end to end: the report lands in the file.
    const result = await stepstore(["report", "--db", db, "--by", "day", "--prices", testPricesFile(), "--out", out], { subprocess: true });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe("");
    const report = JSON.parse(readFileSync(out, "utf8")) as { dimension: string; rows: Record<string, unknown>[] };
    expect(report.dimension).toBe("day");
    const world = generateWorld(5, { runs: 2 });
    expectRows(report.rows, truthRows({ steps: [...world.steps, ...snapshots], runs: world.runs }, "day"), "day");
  });

  it("given completed steps, when reported as HTML by assistant and by tool, then nothing but the page is written: no chart library's warnings on stderr", async () => {
    const file = join(tempDir(), "completed.jsonl");
    const completed = (id: string, seconds: number) => JSON.stringify({
      id, object: "thread.run.step", created_at: 1755180000, assistant_id: "asst_Html", thread_id: "thread_Html", run_id: "run_Html",
      type: "message_creation", status: "completed", step_details: { type: "message_creation", message_creation: { message_id: `msg_${id}` } },
      last_error: null, expired_at: null, cancelled_at: null, failed_at: null, completed_at: 1755180000 + seconds, metadata: {},
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    });
    writeFileSync(file, `${completed("step_Html1", 4)}\n${completed("step_Html2", 9)}\n`);
    const store = tempDb();
    expect((await stepstore(["ingest", "--db", store, file])).code).toBe(0);
    for (const by of ["assistant", "tool"]) {
      const result = await stepstore(["report", "--db", store, "--by", by, "--format", "html"], { subprocess: true });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(`Completion time by ${by}`); // the chart whose layers vega-lite warned about
      expect(result.stderr, by).toBe("");
    }
  });

  it("given an empty store, when reported with defaults, then it is the assistant report with no rows", async () => {
    const result = await stepstore(["report", "--db", await emptyStore()]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ dimension: "assistant", filters: { from: null, to: null, assistant: null, model: null }, rows: [] });
  });

  it.each([
    [["--by", "week"], /assistant, day, hour, model, type, tool, error/],
    [["--model", ""], /option '--model <model>' is empty/],
    [["--format", "xml"], /json, csv, md, html/],
    [["--from", "2025-02-30"], /YYYY-MM-DD/],
    [["--to", "yesterday"], /YYYY-MM-DD/],
    [["--from", "2025-03-02", "--to", "2025-03-01"], /from ≤ to/],
  ])("given %j, when reported, then it is a usage error (exit 2) naming what is allowed", async (args, message) => {
    const result = await stepstore(["report", "--db", tempDb(), ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe("");
  });

  it("given --prices naming a file with a bad price, when reported, then it is a usage error (exit 2) naming the file and the key", async () => {
    const prices = join(tempDir(), "prices.json");
    writeFileSync(prices, JSON.stringify({ as_of: "2026-01-01", models: { "gpt-4o": { input_per_million: "2.5", output_per_million: 10 } } }));
    const result = await stepstore(["report", "--db", db, "--prices", prices]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(prices);
    expect(result.stderr).toContain(`$.models["gpt-4o"].input_per_million`);
    expect(result.stdout).toBe("");
  });
});

/** A store holding a step created at each time, ingested as a user does. */
async function storeAt(...times: number[]): Promise<string> {
  const file = join(tempDir(), "steps.jsonl");
  writeFileSync(file, times.map((t, i) => `${stepLine(`step_At${i}`, { created_at: t, status: "completed", completed_at: t + 5 })}\n`).join(""));
  const store = tempDb();
  expect((await stepstore(["ingest", "--db", store, file])).code).toBe(0);
  return store;
}

describe("stepstore report --format html with more keys than a page shows", () => {
  it("given 1,200 assistants, when reported as HTML, then the table lists the 1,000 with the most steps and the charts 40, each saying so, while JSON has every row", async () => {
    const store = tempDb();
    const file = join(tempDir(), "many.jsonl");
    // asst_0000 has the most steps (3), asst_0001 the next (2), the rest one each.
    const ids = Array.from({ length: 1200 }, (_, i) => `asst_${String(i).padStart(4, "0")}`);
    const steps = [...ids, ids[0], ids[0], ids[1]].map((id, i) => stepLine(`step_${i}`, { assistant_id: id }));
    writeFileSync(file, `${steps.join("\n")}\n`);
    expect((await stepstore(["ingest", "--db", store, file])).code).toBe(0);
    const html = await stepstore(["report", "--db", store, "--by", "assistant", "--format", "html"]);
    expect(html.code, html.stderr).toBe(0);
    const table = html.stdout.slice(html.stdout.indexOf("<tbody>"));
    expect(table.match(/<tr>/g)).toHaveLength(1000);
    expect(table.indexOf("asst_0000")).toBeLessThan(table.indexOf("asst_0001"));
    expect(html.stdout).toContain("The table lists: the 1000 with the most steps of 1200 rows");
    expect(html.stdout).toContain("The charts draw: the 40 with the most steps of 1200 rows");
    const json = await stepstore(["report", "--db", store, "--by", "assistant"]);
    expect((JSON.parse(json.stdout) as { rows: unknown[] }).rows).toHaveLength(1200);
  });
});

describe("stepstore report --format html with steps far apart in time", () => {
  it("given a step created at 1e15 (taken before such times were refused) beside one of 2025, when reported as HTML by any dimension, then the page is written: the far step counts under no day", async () => {
    const store = tempDb();
    await appendAsBefore(store, [1e15, 1735689600].map((t, i) => JSON.parse(stepLine(`step_At${i}`, { created_at: t, status: "completed", completed_at: t + 5 })) as JsonObject));
    for (const by of ["assistant", "day", "hour"]) {
      const result = await stepstore(["report", "--db", store, "--by", by, "--format", "html"]);
      expect(result.code, `${by}: ${result.stderr}`).toBe(0);
      expect(result.stdout, by).toContain("2025-01-01"); // the date range of the steps with a day
    }
  });

  it("given two steps years apart, when reported as HTML by hour and by day, then the page's size is that of two rows, not of the hours between", async () => {
    // 2021 and 2025 (before: 2.6 MB by hour); year 500 and 2025 (before: out of memory by hour, 32 MB by day).
    for (const [first, last] of [[1609459200, 1735689600], [-46388678400, 1735689600]] as const) {
      const store = await storeAt(first, last);
      for (const by of ["hour", "day"]) {
        const result = await stepstore(["report", "--db", store, "--by", by, "--format", "html"]);
        expect(result.code, `${by}: ${result.stderr}`).toBe(0);
        expect(result.stdout.length, `${by} ${first}`).toBeLessThan(150_000);
        expect(result.stdout).toContain(`Steps per ${by} by status`);
      }
    }
  });
});

describe("error codes that would misread", () => {
  let store: string;
  beforeAll(async () => {
    const file = join(tempDir(), "codes.jsonl");
    const failed = (id: string, code: string) => stepLine(id, { status: "failed", failed_at: 1755180100, last_error: { code, message: "m" } });
    writeFileSync(file, `${failed("step_Bidi", "step_\u202Efdp.exe")}\n${failed("step_Cr", "rate\rlimit")}\n`);
    store = tempDb();
    expect((await stepstore(["ingest", "--db", store, file])).code).toBe(0);
  });

  it("given a code with a right-to-left override, when reported as HTML, then no chart label holds it raw: it reads [U+202E] there as in the table", async () => {
    const result = await stepstore(["report", "--db", store, "--by", "error", "--format", "html"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toContain("\u202E");
    expect(result.stdout.split("step_[U+202E]fdp.exe").length).toBeGreaterThan(2); // the table and the charts
  });

  it("given a code with a lone CR, when reported as CSV, then its field is quoted: a CSV reader sees one row, not two", async () => {
    const result = await stepstore(["report", "--db", store, "--by", "error", "--format", "csv"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('\n"rate\rlimit",1,');
  });
});
