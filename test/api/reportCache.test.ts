import { describe, expect, it } from "vitest";
import { createReportCache } from "../../src/api/reportCache.js";
import { stepstore } from "../helpers/cli.js";
import { stepLine } from "../helpers/hostile.js";
import { writeBehindStore } from "../helpers/storeRows.js";
import { postIngest, serverForSuite } from "./harness.js";

const messageStep = (id: string) => stepLine(id, { type: "message_creation", step_details: { type: "message_creation", message_creation: { message_id: "msg_Cache" } } });
type Body = { dimension: string; rows: { key: string; steps: number }[] };
const keysAndSteps = (body: Body) => body.rows.map((row) => [row.key, row.steps]);
const bodyOf = async (response: Response) => (await response.json()) as Body;

describe("GET /v1/stats while the log grows", () => {
  const server = serverForSuite();
  const stats = (headers: Record<string, string> = {}) => fetch(`${server.url}/v1/stats/type`, { headers });

  it("given no append between two asks, then the answer is the same and its ETag is answered 304; after an append, the new step is counted", async () => {
    await postIngest(server, `${stepLine("step_CacheA")}\n`);
    const first = await stats();
    const etag = first.headers.get("etag")!;
    const firstBody = await bodyOf(first);
    expect(keysAndSteps(firstBody)).toEqual([["tool_calls", 1]]);
    expect(first.headers.get("cache-control")).toBe("no-cache");

    const again = await stats();
    expect(again.headers.get("etag")).toBe(etag);
    expect(await bodyOf(again)).toEqual(firstBody);
    const notModified = await stats({ "if-none-match": `W/"other", ${etag}` });
    expect(notModified.status).toBe(304);
    expect(await notModified.text()).toBe("");
    // `*` matches any current answer (RFC 9110 §13.1.2).
    expect((await stats({ "if-none-match": "*" })).status).toBe(304);

    // A duplicate appends nothing: the same ETag. A new step: a new one, and the step in the answer.
    expect((await postIngest(server, `${stepLine("step_CacheA")}\n`)).body).toMatchObject({ duplicates: 1 });
    expect((await stats({ "if-none-match": etag })).status).toBe(304);
    await postIngest(server, `${messageStep("step_CacheB")}\n`);
    const after = await stats({ "if-none-match": etag });
    expect(after.status).toBe(200);
    expect(after.headers.get("etag")).not.toBe(etag);
    expect(keysAndSteps(await bodyOf(after))).toEqual([["message_creation", 1], ["tool_calls", 1]]);
  });

  it("given a rebuild by another process, which leaves the log's position as it was, then the next answer is the rebuilt tables", async () => {
    await postIngest(server, `${messageStep("step_CacheR")}\n`);
    // Tables a release with a bug folded wrongly, then a user's `stepstore rebuild` in another process.
    await writeBehindStore(server.dbPath, "UPDATE step_summaries SET steps = steps + 1000 WHERE dimension = 'type'");
    const wrong = await stats();
    expect(Math.min(...(await bodyOf(wrong)).rows.map((row) => row.steps))).toBeGreaterThan(1000);
    expect((await stepstore(["rebuild", "--db", server.dbPath])).code).toBe(0);
    const rebuilt = await stats({ "if-none-match": wrong.headers.get("etag")! });
    expect(rebuilt.status).toBe(200);
    expect(Math.max(...(await bodyOf(rebuilt)).rows.map((row) => row.steps))).toBeLessThan(1000);
  });

  it("given another format or filter of the same dimension, then each is answered as asked, not from another's copy", async () => {
    await postIngest(server, `${stepLine("step_CacheC")}\n`);
    const json = await (await stats()).text();
    const csv = await (await fetch(`${server.url}/v1/stats/type?format=csv`)).text();
    const none = await bodyOf(await fetch(`${server.url}/v1/stats/type?assistant=asst_nobody`));
    expect(JSON.parse(json).dimension).toBe("type");
    expect(csv.split("\n")[0]).toMatch(/^key,steps,/);
    expect(none.rows).toEqual([]);
  });
});

describe("createReportCache", () => {
  const report = (body: string) => ({ contentType: "application/json", body });

  it("answers an entry only at the position it was kept at", () => {
    const cache = createReportCache(100);
    cache.set("a", "7.1", report("seven"));
    expect(cache.get("a", "7.1")?.body.toString()).toBe("seven");
    expect(cache.get("a", "8.1")).toBeUndefined();
    expect(cache.get("b", "7.1")).toBeUndefined();
  });

  it("keeps at most its bytes, the oldest dropped first, and never an entry larger than all of them", () => {
    const cache = createReportCache(10);
    cache.set("a", "1.1", report("aaaa"));
    cache.set("b", "1.1", report("bbbb"));
    cache.set("c", "1.1", report("cccc"));
    expect([cache.get("a", "1.1"), cache.get("b", "1.1")?.body.toString(), cache.get("c", "1.1")?.body.toString()]).toEqual([undefined, "bbbb", "cccc"]);
    cache.set("big", "1.1", report("x".repeat(11)));
    expect(cache.get("big", "1.1")).toBeUndefined();
    expect(cache.get("c", "1.1")?.body.toString()).toBe("cccc");
  });

  it("gives each position its own ETag", () => {
    const cache = createReportCache();
    expect(cache.etagAt("3.1")).not.toBe(cache.etagAt("4.1"));
    expect(cache.etagAt("3.1")).toMatch(/^"[^"]+"$/);
  });
});
