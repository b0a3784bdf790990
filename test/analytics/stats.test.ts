import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPriceTable } from "../../src/analytics/prices.js";
import { spawnServe, startServer, type RunningServer } from "../api/harness.js";
import { stepstore, tempDb, tempDir } from "../helpers/cli.js";
import { generateWorld } from "../world/world.js";
import { DIMENSIONS, expectRows, snapshotRuns, snapshotSteps, storeOf, testPricesFile, truthRows, utcDay, type Truth } from "./truth.js";

let server: RunningServer;
let truth: Truth;
let days: string[];

beforeAll(async () => {
  const world = generateWorld(17, { runs: 8 });
  const snapshots = snapshotSteps(150, 3);
  const runs = snapshotRuns(snapshots);
  truth = { steps: [...world.steps, ...snapshots], runs: [...world.runs, ...runs] };
  days = [...new Set(snapshots.map((s) => utcDay(s.created_at)))].sort();
  server = await startServer({ dbPath: await storeOf(world, snapshots, runs), apiKey: "sk-stats", prices: await loadPriceTable(testPricesFile()) });
});
afterAll(async () => {
  await server?.close();
});

const get = (path: string, auth = true) => fetch(`${server.url}${path}`, { headers: auth ? { authorization: "Bearer sk-stats" } : {} });

describe("GET /v1/stats/{dimension} (CONTRACT §9)", () => {
  it("given a store, when each dimension is asked for, with and without filters, then it answers the report JSON equal to the ground truth", async () => {
    const filters: Record<string, string>[] = [
      {}, { from: days[2]!, to: days.at(-3)! }, { assistant: "asst_alpha" }, { from: days[1]!, assistant: "asst_Zeta" },
      { model: "gpt-4o-mini" }, { model: "(unknown)", from: days[1]! },
    ];
    for (const dimension of DIMENSIONS) {
      for (const filter of filters) {
        const response = await get(`/v1/stats/${dimension}?${new URLSearchParams(filter)}`);
        expect(response.status).toBe(200);
        expect(response.headers.get("content-type")).toMatch(/^application\/json/);
        const body = (await response.json()) as { dimension: string; filters: unknown; rows: Record<string, unknown>[] };
        expect(body.dimension).toBe(dimension);
        expect(body.filters).toEqual({ from: null, to: null, assistant: null, model: null, ...filter });
        expectRows(body.rows, truthRows(truth, dimension, filter), `${dimension} ${JSON.stringify(filter)}`);
      }
    }
  });

  it("given format=csv, then it answers the CSV with the §8 header", async () => {
    const response = await get("/v1/stats/type?format=csv");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/csv/);
    expect((await response.text()).split("\n")[0]).toBe(
      "key,steps,completed,failed,cancelled,expired,in_progress,failure_rate,avg_completion_seconds,p50_completion_seconds,p95_completion_seconds,prompt_tokens,completion_tokens,total_tokens,cost_usd",
    );
  });

  it.each([
    ["/v1/stats/week", "dimension", /assistant\|day\|hour\|model\|type\|tool\|error/],
    ["/v1/stats/model?model=a&model=b", "model", /once/],
    ["/v1/stats/day?from=2025-13-01", "from", /YYYY-MM-DD/],
    ["/v1/stats/day?to=tomorrow", "to", /YYYY-MM-DD/],
    ["/v1/stats/day?from=2025-02-02&to=2025-02-01", "from", /from ≤ to/],
    ["/v1/stats/tool?format=pdf", "format", /json\|csv\|md\|html/],
    ["/v1/stats/tool?assistant=a&assistant=b", "assistant", /once/],
    ["/v1/stats/day?form=2025-08-01", "form", /Unknown parameter 'form': \/v1\/stats\/\{dimension\} takes from, to, assistant, model, format$/],
    ["/v1/stats/day?by=model", "by", /Unknown parameter 'by'/],
  ])("given %s, then it answers 400 in the API's error shape naming what is allowed", async (path, param, message) => {
    const response = await get(path);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { message: string; type: string; param: string | null } };
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.param).toBe(param);
    expect(body.error.message).toMatch(message);
  });

  it("given STEPSTORE_API_KEY, when asked without the bearer, then it answers 401", async () => {
    expect((await get("/v1/stats/day", false)).status).toBe(401);
  });
});

describe("GET /report", () => {
  it("given ?by=day and filters, then it answers the self-contained HTML report", async () => {
    const response = await get(`/report?by=day&from=${days[0]}&to=${days[2]}&assistant=asst_alpha`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain("Failure rate over time");
    expect(html).toContain("assistant asst_alpha");
    // The four trends, and cost over time: the world's models are priced.
    expect(html).toContain("Cost over time");
    expect((html.match(/<svg/g) ?? []).length).toBe(5);
    expect(html).not.toMatch(/<script/i);
    // Served, it says in headers what a saved file's <meta> cannot: never framed, never sniffed as another type.
    expect(response.headers.get("content-security-policy")).toMatch(/^default-src 'none'; .*frame-ancestors 'none'/);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("given no parameters, then it reports by assistant", async () => {
    const html = await (await get("/report")).text();
    expect(html).toContain("Failure rate by assistant");
  });

  it.each([
    ["/report?by=day&format=csv", "format", "/report answers HTML only (format=html); for \"csv\" ask /v1/stats/day?format=csv"],
    ["/report?by=day&form=2025-08-01", "form", "Unknown parameter 'form': /report takes by, from, to, assistant, model, format"],
  ])("given %s, then it answers 400 in the API's error shape instead of a report it was not asked for", async (path, param, message) => {
    const response = await get(path);
    expect([response.status, await response.json()]).toEqual([400, { error: { message, type: "invalid_request_error", param, code: null } }]);
  });

  it("given format=html, what it answers anyway, then it answers the report", async () => {
    const response = await get("/report?by=day&format=html");
    expect([response.status, response.headers.get("content-type")]).toEqual([200, expect.stringMatching(/^text\/html/)]);
  });

  it("given ?by=week, then it answers 400 naming the dimensions", async () => {
    const response = await get("/report?by=week");
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/assistant\|day\|hour\|model\|type\|tool\|error/);
  });
});

describe("`stepstore serve`, whose reports are rendered in a thread of their own on SQLite", () => {
  it("given filters and formats, when asked of the running service, then each answer is the ground truth and the bytes `stepstore report` prints", async () => {
    const db = server.dbPath;
    const serve = await spawnServe(["--db", db], { STEPSTORE_PRICES: testPricesFile(), STEPSTORE_API_KEY: undefined });
    try {
      for (const [dimension, filter] of [["model", {}], ["day", { assistant: "asst_alpha" }], ["tool", { from: days[1]!, to: days.at(-2)! }]] as const) {
        const response = await fetch(`${serve.url}/v1/stats/${dimension}?${new URLSearchParams(filter)}`);
        const text = await response.text();
        expect(response.status).toBe(200);
        expectRows((JSON.parse(text) as { rows: Record<string, unknown>[] }).rows, truthRows(truth, dimension, filter), `${dimension} ${JSON.stringify(filter)}`);
        const printed = await stepstore(["report", "--db", db, "--by", dimension, "--prices", testPricesFile(), ...Object.entries(filter).flatMap(([k, v]) => [`--${k}`, v])]);
        expect(text).toBe(printed.stdout);
      }
      const html = await fetch(`${serve.url}/report?by=model&model=gpt-4o-mini`);
      expect(html.status).toBe(200);
      expect(await html.text()).toContain("Cost by model");
    } finally {
      serve.child.kill("SIGTERM");
      expect((await serve.exited).code).toBe(0);
    }
  });
});

describe("STEPSTORE_PRICES (CONTRACT §10)", () => {
  it("given a price file that cannot be used, when serve starts, then it refuses (exit 2) naming the file", async () => {
    const prices = join(tempDir(), "prices.json");
    writeFileSync(prices, JSON.stringify({ as_of: "2026-01-01", models: { "gpt-4o": { input_per_million: -1, output_per_million: 10 } } }));
    const result = await stepstore(["serve", "--db", tempDb(), "--port", "0"], { subprocess: true, env: { STEPSTORE_PRICES: prices } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(prices);
    expect(result.stderr).toContain(`$.models["gpt-4o"].input_per_million`);
  });

  it("given a price file, when a report is asked without --prices, then its costs use it, and --prices wins over it", async () => {
    const empty = join(tempDir(), "no-prices.json");
    writeFileSync(empty, JSON.stringify({ as_of: "2026-01-01", models: {} }));
    const db = await storeOf(generateWorld(2, { runs: 2 }));
    const costs = async (args: string[]) => {
      const result = await stepstore(["report", "--db", db, "--by", "model", ...args], { env: { STEPSTORE_PRICES: empty } });
      expect(result.code, result.stderr).toBe(0);
      return (JSON.parse(result.stdout) as { rows: { cost_usd: number | null }[] }).rows.map((row) => row.cost_usd);
    };
    expect(await costs([])).toEqual([null]);
    expect((await costs(["--prices", testPricesFile()]))[0]).toBeGreaterThan(0);
  });
});
