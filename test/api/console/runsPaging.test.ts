import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RUNS_PAGE } from "../../../src/api/console/pages/runs.js";
import { postIngest, startServer, type RunningServer } from "../harness.js";

const THREAD = "thread_Paging";
const step = (runId: string, createdAt: number) => ({
  id: `step_${runId}`, object: "thread.run.step", created_at: createdAt, assistant_id: "asst_Paging", thread_id: THREAD, run_id: runId,
  type: "message_creation", status: "completed", step_details: { type: "message_creation", message_creation: { message_id: `msg_${runId}` } },
  last_error: null, expired_at: null, cancelled_at: null, failed_at: null, completed_at: createdAt + 1, metadata: {}, usage: null,
});
const run = (id: string, createdAt: number) => ({
  id, object: "thread.run", created_at: createdAt, thread_id: THREAD, assistant_id: "asst_Paging", status: "completed", model: "gpt-4o",
});

/** A page of `/ui/runs`: its runs in order, and its older (next) and newer (previous) links. */
async function pageAt(server: RunningServer, url: string): Promise<{ runs: string[]; next?: string; prev?: string }> {
  const response = await fetch(`${server.url}${url}`);
  expect(response.status, url).toBe(200);
  const page = await response.text();
  const link = (rel: string) => new RegExp(`rel="${rel}" href="([^"]+)"`).exec(page)?.[1]?.replaceAll("&amp;", "&");
  const runs = [...page.matchAll(/href="\/ui\/threads\/thread_Paging\/runs\/([^"]+)"/g)].map(([, id]) => decodeURIComponent(id!));
  return { runs, next: link("next"), prev: link("prev") };
}

describe("/ui/runs pages both ways", () => {
  let server: RunningServer;
  // Runs with snapshots and runs known only from their steps, several to a second, ids past U+FFFF among them.
  const ids = Array.from({ length: 2 * RUNS_PAGE + 7 }, (_, i) => `run_${i % 9 === 0 ? "\u{1F600}" : ""}${String(i).padStart(3, "0")}`);
  const at = (i: number) => 1755300000 + Math.floor(i / 3);
  beforeAll(async () => {
    server = await startServer();
    const records = ids.flatMap((id, i) => (i % 2 === 0 ? [run(id, at(i)), step(id, at(i))] : [step(id, at(i))]));
    expect((await postIngest(server, records.map((r) => JSON.stringify(r)).join("\n"))).body).toMatchObject({ rejected: 0 });
  });
  afterAll(() => server?.close());

  it("given three pages, following Previous from the last page gives the pages Next gave, in reverse, and no run twice", async () => {
    const forward: string[][] = [];
    let last = await pageAt(server, "/ui/runs?assistant=asst_Paging");
    expect(last.prev).toBeUndefined();
    forward.push(last.runs);
    while (last.next) forward.push((last = await pageAt(server, last.next)).runs);
    expect(forward.map((runs) => runs.length)).toEqual([RUNS_PAGE, RUNS_PAGE, 7]);
    expect(new Set(forward.flat())).toEqual(new Set(ids));
    expect(forward.flat()).toHaveLength(ids.length);
    const backward: string[][] = [last.runs];
    while (last.prev) backward.push((last = await pageAt(server, last.prev)).runs);
    expect(backward.reverse()).toEqual(forward);
    // The newest page reached backward says so: no newer page, and its next link goes on as the first page's did.
    expect(last.prev).toBeUndefined();
    expect((await pageAt(server, last.next!)).runs).toEqual(forward[1]);
  });

  it("answers both cursors at once with a 400 page naming them", async () => {
    const response = await fetch(`${server.url}/ui/runs?before=1755300001.run_001&after=1755300000.run_000`);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("&#39;before&#39; (an older page) or &#39;after&#39;");
  });
});
