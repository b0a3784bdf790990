import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunStep } from "../../src/records/schemas.js";
import { startServer, type RunningServer } from "../api/harness.js";
import { generateWorld } from "../world/world.js";
import { DIMENSIONS, snapshotSteps, storeOf, truthRows, utcDay } from "./truth.js";

let server: RunningServer;
let truth: RunStep[];
let days: string[];

beforeAll(async () => {
  const world = generateWorld(17, { runs: 8 });
  const snapshots = snapshotSteps(150, 3);
  truth = [...world.steps, ...snapshots];
  days = [...new Set(snapshots.map((s) => utcDay(s.created_at)))].sort();
  server = await startServer({ dbPath: await storeOf(world, snapshots), apiKey: "sk-stats" });
});
afterAll(async () => {
  await server?.close();
});

const get = (path: string, auth = true) => fetch(`${server.url}${path}`, { headers: auth ? { authorization: "Bearer sk-stats" } : {} });

describe("GET /v1/stats/{dimension} (CONTRACT §9)", () => {
  it("given a store, when each dimension is asked for, with and without filters, then it answers the report JSON equal to the ground truth", async () => {
    const filters: Record<string, string>[] = [{}, { from: days[2]!, to: days.at(-3)! }, { assistant: "asst_alpha" }, { from: days[1]!, assistant: "asst_Zeta" }];
    for (const dimension of DIMENSIONS) {
      for (const filter of filters) {
        const response = await get(`/v1/stats/${dimension}?${new URLSearchParams(filter)}`);
        expect(response.status).toBe(200);
        expect(response.headers.get("content-type")).toMatch(/^application\/json/);
        const body = (await response.json()) as { dimension: string; filters: unknown; rows: unknown[] };
        expect(body.dimension).toBe(dimension);
        expect(body.filters).toEqual({ from: null, to: null, assistant: null, ...filter });
        expect(body.rows, `${dimension} ${JSON.stringify(filter)}`).toEqual(truthRows(truth, dimension, filter));
      }
    }
  });

  it("given format=csv, then it answers the CSV with the §8 header", async () => {
    const response = await get("/v1/stats/type?format=csv");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/csv/);
    expect((await response.text()).split("\n")[0]).toBe(
      "key,steps,completed,failed,cancelled,expired,in_progress,failure_rate,avg_completion_seconds,p50_completion_seconds,p95_completion_seconds,prompt_tokens,completion_tokens,total_tokens",
    );
  });

  it.each([
    ["/v1/stats/week", "dimension", /assistant\|day\|type\|tool\|error/],
    ["/v1/stats/day?from=2025-13-01", "from", /YYYY-MM-DD/],
    ["/v1/stats/day?to=tomorrow", "to", /YYYY-MM-DD/],
    ["/v1/stats/day?from=2025-02-02&to=2025-02-01", "from", /from ≤ to/],
    ["/v1/stats/tool?format=pdf", "format", /json\|csv\|md\|html/],
    ["/v1/stats/tool?assistant=a&assistant=b", "assistant", /once/],
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
    expect((html.match(/<svg/g) ?? []).length).toBe(4);
    expect(html).not.toMatch(/<script/i);
  });

  it("given no parameters, then it reports by assistant", async () => {
    const html = await (await get("/report")).text();
    expect(html).toContain("Failure rate by assistant");
  });

  it("given ?by=week, then it answers 400 naming the dimensions", async () => {
    const response = await get("/report?by=week");
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/assistant\|day\|type\|tool\|error/);
  });
});
