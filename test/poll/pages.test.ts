import { afterAll, describe, expect, it } from "vitest";
import { startFakeAssistants, type FakeAssistants, type FakeAssistantsOptions } from "../helpers/fakeAssistants.js";
import { rejectionsOf, tempDb } from "../helpers/cli.js";
import { exampleExport } from "./fixtures.js";
import { poll, stepRows } from "./support.js";

const servers: FakeAssistants[] = [];
afterAll(() => Promise.all(servers.map((s) => s.close())));

async function serve(options: FakeAssistantsOptions) {
  const server = await startFakeAssistants(options);
  servers.push(server);
  return server;
}

const listOf = (data: unknown, hasMore = false) => JSON.stringify({ object: "list", data, has_more: hasMore });

describe("poll given list pages no server should send", () => {
  it("a runs list's items that are not runs (no id, a number for an id, null) are rejections, and no request is built from them", async () => {
    const { run, steps } = exampleExport();
    const { id: _id, ...withoutId } = run;
    const items = [run, withoutId, { ...run, id: 42 }, null];
    const server = await serve({
      runs: [{ states: [{ run, steps }] }],
      answer: (path) => (path === `/threads/${run.thread_id}/runs` ? { body: listOf(items) } : undefined),
    });
    const db = tempDb();
    const result = await poll(server, db, ["--thread", run.thread_id as string, "--json"]);
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout)).toMatchObject({ records: 4 + steps.length, rejected: 3, runs: 1, steps: steps.length, failed: [] });
    expect(server.requests.map((r) => r.path)).toEqual([`/v1/threads/${run.thread_id}/runs`, `/v1/threads/${run.thread_id}/runs/${run.id}/steps`]);
    expect((await rejectionsOf(db)).map((r) => r.raw)).toEqual([JSON.stringify(withoutId), JSON.stringify({ ...run, id: 42 }), "null"]);
    expect(await stepRows(db)).toEqual(steps);
  });
});
