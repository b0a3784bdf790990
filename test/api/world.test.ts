import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXAMPLES } from "../helpers/cli.js";
import { lanesOf } from "../helpers/lanes.js";
import { generateWorld, type World } from "../world/world.js";
import { inParallel, openaiClient, postIngest, postWebhook, startServer, type RunningServer } from "./harness.js";

type Json = Record<string, unknown>;

const byCreated = (order: "asc" | "desc") => (a: Json, b: Json) => {
  const sign = order === "asc" ? 1 : -1;
  const ta = a.created_at as number;
  const tb = b.created_at as number;
  if (ta !== tb) return sign * (ta - tb);
  return sign * (a.id! < b.id! ? -1 : a.id! > b.id! ? 1 : 0);
};

describe("a generated world delivered to the service", () => {
  let server: RunningServer;
  let world: World;
  const webhookIds: { id: string; body: string; position: number }[] = [];

  beforeAll(async () => {
    server = await startServer();
    world = generateWorld(20261125, { runs: 36 });
    const lanes = [...lanesOf(world.events).entries()];
    // Two thirds of the runs arrive as signed webhooks, eight lanes in flight, each lane in order;
    // the rest, and every polled page, as bulk NDJSON at the same time.
    const webhookLanes = lanes.filter((_, i) => i % 3 !== 0).map(([, events]) => events);
    const bulkEvents = lanes.filter((_, i) => i % 3 === 0).flatMap(([, events]) => events);
    const polledPages = [...world.polledSteps.values()].map((data) => ({ object: "list", data: [...data].reverse(), first_id: null, last_id: null, has_more: false }));
    const bulk = [...bulkEvents, ...polledPages].map((r) => JSON.stringify(r)).join("\n");

    const [ingested] = await Promise.all([
      postIngest(server, bulk),
      inParallel(webhookLanes, 8, async (events) => {
        for (const event of events) {
          const body = JSON.stringify(event);
          const answer = await postWebhook(server, body);
          expect(answer).toMatchObject({ status: 200, body: { status: "appended" } });
          webhookIds.push({ id: event.id as string, body, position: answer.body.position as number });
        }
      }),
    ]);
    expect(ingested.status).toBe(200);
    const polledCount = polledPages.reduce((n, page) => n + page.data.length, 0);
    expect(ingested.body).toEqual({ records: bulkEvents.length + polledCount, appended: expect.any(Number), duplicates: expect.any(Number), rejected: 0 });
  });

  afterAll(() => server.close());

  it("every step listed through the openai SDK, in either order and paged two at a time, equals the ground truth", async () => {
    const client = openaiClient(server);
    const runs = new Map<string, { threadId: string; steps: Json[] }>();
    for (const step of world.steps as Json[]) {
      const entry = runs.get(step.run_id as string) ?? { threadId: step.thread_id as string, steps: [] };
      entry.steps.push(step);
      runs.set(step.run_id as string, entry);
    }
    expect(runs.size).toBeGreaterThan(10);
    const listed: Json[] = [];
    await inParallel([...runs.entries()], 6, async ([runId, { threadId, steps }]) => {
      for (const order of ["asc", "desc"] as const) {
        const seen: Json[] = [];
        for await (const step of client.beta.threads.runs.steps.list(runId, { thread_id: threadId, limit: 2, order })) seen.push(step as unknown as Json);
        expect(seen).toEqual([...steps].sort(byCreated(order)));
        if (order === "asc") listed.push(...seen);
      }
    });
    expect(listed.sort(byCreated("asc"))).toEqual(world.steps);
  });

  it("every step retrieved through the openai SDK equals its ground-truth row", async () => {
    const client = openaiClient(server);
    await inParallel(world.steps as Json[], 8, async (truth) => {
      const step = await client.beta.threads.runs.steps.retrieve(truth.id as string, { thread_id: truth.thread_id as string, run_id: truth.run_id as string });
      expect(step).toEqual(truth);
    });
  });

  it("redelivering webhooks answers duplicate with the position already in the log, and changes no step", async () => {
    const again = webhookIds.slice(0, 40);
    await inParallel(again, 8, async ({ body, position }) => {
      expect(await postWebhook(server, body)).toEqual({ status: 200, body: { status: "duplicate", position } });
    });
    const client = openaiClient(server);
    const first = world.steps[0] as Json;
    expect(await client.beta.threads.runs.steps.retrieve(first.id as string, { thread_id: first.thread_id as string, run_id: first.run_id as string })).toEqual(first);
  });

  it("healthz reports the log's last position", async () => {
    const health = (await (await fetch(`${server.url}/healthz`)).json()) as Json;
    expect(health.status).toBe("ok");
    expect(health.position).toBeGreaterThanOrEqual(Math.max(...webhookIds.map((w) => w.position)));
  });
});

describe("the relayed-events example delivered as signed webhooks", () => {
  it("projects to exactly its expected rows, the redelivery answered as a duplicate", async () => {
    const server = await startServer();
    try {
      const lines = readFileSync(join(EXAMPLES, "relayed-events.jsonl"), "utf8").split("\n").filter((l) => l.trim() !== "");
      const statuses: unknown[] = [];
      for (const line of lines) statuses.push((await postWebhook(server, line)).body.status);
      expect(statuses).toEqual(["appended", "appended", "appended", "appended", "appended", "duplicate"]);
      const expected = readFileSync(join(EXAMPLES, "expected/relayed-events.steps.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Json);
      const page = await openaiClient(server).beta.threads.runs.steps.list(expected[0]!.run_id as string, { thread_id: expected[0]!.thread_id as string, order: "asc" });
      expect(page.data).toEqual(expected);
    } finally {
      await server.close();
    }
  });
});
