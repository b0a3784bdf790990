import Database from "better-sqlite3";
import { connect } from "node:net";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { lastPosition } from "../../src/store/checkpoints.js";
import { APPEND_LOCK_KEY } from "../../src/store/postgres/appendLock.js";
import { STORE_BUSY_MESSAGE, STORE_FULL_MESSAGE } from "../../src/store/storeErrors.js";
import { listRejections } from "../../src/store/readEvents.js";
import { eventsOfStep } from "../helpers/storeRows.js";
import { pgHalf } from "../helpers/storeUnderTest.js";
import { newSecret, postWebhook, signedHeaders, startServer, serverForSuite } from "./harness.js";

const step = (status: string, id = "step_W1") => ({
  id, object: "thread.run.step", created_at: 1755180000, assistant_id: "asst_1", thread_id: "thread_1", run_id: "run_1",
  type: "message_creation", status, step_details: { type: "message_creation", message_creation: { message_id: "msg_1" } },
  last_error: null, expired_at: null, cancelled_at: null, failed_at: null, completed_at: status === "completed" ? 1755180004 : null,
  metadata: {}, usage: null,
});
const event = (id: string | undefined, status = "in_progress", stepId = "step_W1") =>
  JSON.stringify({ ...(id ? { id } : {}), object: "event", type: `thread.run.step.${status === "in_progress" ? "created" : status}`, created_at: 1755180000, data: step(status, stepId) });

describe("POST /webhooks", () => {
  const server = serverForSuite();
  const sql = () => server.app.stepstore.sql;

  it("a forged, stale, future-dated, wrong-secret or unsigned webhook gets 401 and stores nothing", async () => {
    const body = event("evt_forged");
    const now = Math.floor(Date.now() / 1000);
    const before = { position: (await lastPosition(sql())), rejections: (await listRejections(sql())).length };
    const attempts: [string, RequestInit["headers"]][] = [
      ["forged", { ...signedHeaders(server.secret, event("evt_other")) }],
      ["stale", signedHeaders(server.secret, body, { timestamp: now - 360 })],
      ["future", signedHeaders(server.secret, body, { timestamp: now + 360 })],
      ["wrong secret", signedHeaders(server.secret, body, { secret: newSecret() })],
      ["unsigned", { "content-type": "application/json" }],
      ["garbage signature", { ...signedHeaders(server.secret, body), "webhook-signature": "v1,AAAA" }],
    ];
    for (const [what, headers] of attempts) {
      const response = await fetch(`${server.url}/webhooks`, { method: "POST", headers, body });
      const answer = (await response.json()) as { error: { message: string; type: string } };
      expect({ what, status: response.status }).toEqual({ what, status: 401 });
      expect(answer.error.message).toMatch(/^webhook signature rejected: /);
    }
    expect({ position: (await lastPosition(sql())), rejections: (await listRejections(sql())).length }).toEqual(before);
  });

  it("a webhook signed within the 5-minute tolerance, either way, is accepted", async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await postWebhook(server, event("evt_early"), { timestamp: now - 290 })).status).toBe(200);
    expect((await postWebhook(server, event("evt_late"), { timestamp: now + 290 })).status).toBe(200);
  });

  it("a 2 MiB body gets 413 and stores nothing", async () => {
    const before = (await lastPosition(sql()));
    const body = JSON.stringify({ id: "evt_big", object: "event", type: "error", data: { message: "x".repeat(2 * 1024 * 1024) } });
    const declared = await fetch(`${server.url}/webhooks`, { method: "POST", headers: signedHeaders(server.secret, body), body });
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { error: { message: string } }).error.message).toBe("body over STEPSTORE_MAX_BODY (1048576 bytes)");
    const chunked = await fetch(`${server.url}/webhooks`, {
      method: "POST",
      headers: signedHeaders(server.secret, body),
      body: new Blob([body]).stream(),
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect((await lastPosition(sql()))).toBe(before);
  });

  it("an oversized body is refused 413 from its Content-Length, before the body is sent, signed or not", async () => {
    const signed = Object.entries(signedHeaders(server.secret, "{}")).map(([name, value]) => `${name}: ${value}\r\n`).join("");
    for (const headers of [signed, ""]) {
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(server.port, "127.0.0.1", () => {
          // Announce 2 MiB, send 10 bytes, and wait: the answer must come without the rest.
          socket.write(`POST /webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}Content-Length: ${2 * 1024 * 1024}\r\n\r\n{"id":"ev`);
        });
        let received = "";
        socket.on("data", (chunk) => {
          received += chunk.toString();
          if (received.includes("\r\n\r\n")) {
            socket.destroy();
            resolve(received);
          }
        });
        socket.on("error", reject);
      });
      expect(answer, headers === "" ? "unsigned" : "signed").toMatch(/^HTTP\/1\.1 413 /);
    }
  });

  it("a signed webhook is read whatever its Content-Type says, even one that names no media type", async () => {
    for (const [i, contentType] of ["", "json", "application/json, text/plain", "text/plain"].entries()) {
      const body = event(`evt_ct_${i}`, "in_progress", `step_CT${i}`);
      const answer = await postWebhook(server, body, { headers: { "content-type": contentType } });
      expect({ contentType, answer }).toEqual({ contentType, answer: { status: 200, body: { status: "appended", position: expect.any(Number) } } });
      expect((await eventsOfStep(sql(), `step_CT${i}`)).map((r) => r.data)).toEqual([body]);
    }
  });

  it("a body that starts with a UTF-8 byte-order mark is read without it, as /v1/ingest and files are", async () => {
    const body = `\uFEFF${event("evt_bom")}`;
    const answer = await postWebhook(server, body);
    expect(answer.status).toBe(200);
    expect((await eventsOfStep(sql(), "step_W1")).some((e) => e.event_key === "evt_bom" && !e.data.startsWith("\uFEFF"))).toBe(true);
  });

  it("a signed invalid record gets 422 with the reason and JSON path, and is kept in rejections", async () => {
    const invalid = event("evt_invalid", "completed").replace('"status":"completed"', '"status":"done"');
    const answer = await postWebhook(server, invalid, { id: "msg_invalid_1" });
    expect(answer.status).toBe(422);
    expect(answer.body).toEqual({ error: { message: expect.stringContaining('expected one of'), path: "$.data.status" } });
    const broken = await postWebhook(server, '{"id":"evt_broken",', { id: "msg_invalid_2" });
    expect(broken).toMatchObject({ status: 422, body: { error: { message: expect.stringMatching(/^invalid JSON: /), path: null } } });
    const bare = await postWebhook(server, JSON.stringify(step("in_progress")), { id: "msg_invalid_3" });
    expect(bare).toMatchObject({ status: 422, body: { error: { path: "$" } } });

    const kept = (await listRejections(sql())).filter((r) => r.origin.startsWith("POST /webhooks msg_invalid_"));
    expect(kept.map((r) => ({ source: r.source, origin: r.origin, path: r.path, raw: r.raw }))).toEqual([
      { source: "webhook", origin: "POST /webhooks msg_invalid_1", path: "$.data.status", raw: invalid },
      { source: "webhook", origin: "POST /webhooks msg_invalid_2", path: null, raw: '{"id":"evt_broken",' },
      { source: "webhook", origin: "POST /webhooks msg_invalid_3", path: "$", raw: JSON.stringify(step("in_progress")) },
    ]);
  });

  it("a redelivery answers duplicate with the position of the event already in the log", async () => {
    const body = event("evt_redelivered", "in_progress", "step_R1");
    const first = await postWebhook(server, body, { id: "msg_r1" });
    const again = await postWebhook(server, body, { id: "msg_r1_retry" });
    expect(first).toEqual({ status: 200, body: { status: "appended", position: expect.any(Number) } });
    expect(again).toEqual({ status: 200, body: { status: "duplicate", position: first.body.position } });
  });

  it("a body without an id is keyed by its webhook-id: the same delivery is a duplicate, another delivery is appended", async () => {
    const body = event(undefined, "in_progress", "step_K1");
    const first = await postWebhook(server, body, { id: "msg_k1" });
    const retry = await postWebhook(server, body, { id: "msg_k1" });
    const other = await postWebhook(server, body, { id: "msg_k2" });
    expect([first.body.status, retry.body.status, other.body.status]).toEqual(["appended", "duplicate", "appended"]);
    expect(retry.body.position).toBe(first.body.position);
    const rows = (await eventsOfStep(sql(), "step_K1"));
    expect(rows.map((r) => [r.event_key, r.source, r.origin, r.data])).toEqual([
      ["msg_k1", "webhook", "POST /webhooks msg_k1", body],
      ["msg_k2", "webhook", "POST /webhooks msg_k2", body],
    ]);
  });

  it("a body without an id whose webhook-id is past the column limit gets 422 naming the header, and is kept; with an id of its own it lands", async () => {
    const long = `msg_${"w".repeat(1100)}`;
    const keyless = await postWebhook(server, event(undefined, "in_progress", "step_Long1"), { id: long });
    expect(keyless.status).toBe(422);
    expect((keyless.body.error as { message: string }).message).toMatch(/^webhook-id header: 1104 bytes of UTF-8, more than the 1024/);
    expect((await postWebhook(server, event("evt_long_ok", "in_progress", "step_Long2"), { id: long })).status).toBe(200);
  });

  it("an event id sent again with another body gets 409, is kept in rejections and leaves the first row as it was", async () => {
    const body = event("evt_reused", "in_progress", "step_C1");
    const first = await postWebhook(server, body, { id: "msg_c1" });
    const other = event("evt_reused", "in_progress", "step_C2");
    const conflict = await postWebhook(server, other, { id: "msg_c2" });
    const reason = "conflict: event key evt_reused already holds different content (appended from POST /webhooks msg_c1)";
    expect(first.status).toBe(200);
    expect(conflict).toEqual({ status: 409, body: { error: { message: reason, type: "invalid_request_error", param: null, code: "conflict" } } });
    expect((await listRejections(sql())).filter((r) => r.origin === "POST /webhooks msg_c2").map(({ source, reason, path, raw }) => ({ source, reason, path, raw })))
      .toEqual([{ source: "webhook", reason, path: null, raw: other }]);
    expect((await eventsOfStep(sql(), "step_C1")).map((r) => [r.position, r.event_key, r.data])).toEqual([[first.body.position, "evt_reused", body]]);
    expect((await eventsOfStep(sql(), "step_C2"))).toEqual([]);

    // The same event re-serialised (other key order, whitespace) is the same content: a duplicate.
    const relayed = JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(body) as object).reverse()), null, 2);
    expect(await postWebhook(server, relayed, { id: "msg_c3" })).toEqual({ status: 200, body: { status: "duplicate", position: first.body.position } });
  });

  it("two deliveries of one id with different bodies in flight at once: one is appended, the other answered 409", async () => {
    const bodies = [event("evt_race", "in_progress", "step_D1"), event("evt_race", "in_progress", "step_D2")];
    const answers = await Promise.all([...bodies.map((body) => postWebhook(server, body)), postWebhook(server, event("evt_race_other", "in_progress", "step_D3"))]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 409]);
    expect(answers[2]!.body).toMatchObject({ status: "appended" });
    expect((await eventsOfStep(sql(), "step_D1")).length + (await eventsOfStep(sql(), "step_D2")).length).toBe(1);
  });

  it("many webhooks in flight at once are each answered after commit with their own position", async () => {
    const bodies = Array.from({ length: 64 }, (_, i) => event(`evt_burst_${i}`, "in_progress", `step_B${i}`));
    const answers = await Promise.all(bodies.map((body) => postWebhook(server, body)));
    expect(answers.every((a) => a.status === 200 && a.body.status === "appended")).toBe(true);
    const positions = answers.map((a) => a.body.position as number);
    expect(new Set(positions).size).toBe(64);
    for (const [i, body] of bodies.entries()) {
      const [row] = await eventsOfStep(sql(), `step_B${i}`);
      expect(row).toMatchObject({ position: positions[i], event_key: `evt_burst_${i}`, data: body });
    }
  });
});

describe("POST /webhooks without STEPSTORE_WEBHOOK_SECRET", () => {
  it("answers 503 and stores nothing", async () => {
    const server = await startServer({ webhookSecret: undefined });
    try {
      const body = event("evt_unconfigured");
      const response = await fetch(`${server.url}/webhooks`, { method: "POST", headers: signedHeaders(newSecret(), body), body });
      expect(response.status).toBe(503);
      expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/STEPSTORE_WEBHOOK_SECRET/);
      expect((await lastPosition(server.app.stepstore.sql))).toBe(0);
    } finally {
      await server.close();
    }
  });
});

describe.skipIf(pgHalf)("POST /webhooks while another process holds SQLite's write lock past the busy timeout", () => {
  const server = serverForSuite();

  it("answers 503 with Retry-After and the reason (nothing stored), not a 500; the retry after the lock is released stores it", async () => {
    const holder = new Database(server.dbPath);
    holder.exec("BEGIN IMMEDIATE"); // as a long rebuild in another process holds it
    const body = event("evt_Busy1");
    let busy: Response;
    try {
      busy = await fetch(`${server.url}/webhooks`, { method: "POST", headers: signedHeaders(server.secret, body, { id: "msg_Busy1" }), body });
    } finally {
      holder.exec("ROLLBACK");
      holder.close();
    }
    expect(busy.status).toBe(503);
    expect(busy.headers.get("retry-after")).toBe("1");
    expect(((await busy.json()) as { error: { message: string } }).error.message).toBe(STORE_BUSY_MESSAGE);
    expect((await postWebhook(server, body, { id: "msg_Busy1" })).status).toBe(200);
    expect(await eventsOfStep(server.app.stepstore.sql, "step_W1")).toHaveLength(1);
  });
});

describe.skipIf(!pgHalf)("POST /webhooks while another process holds PostgreSQL's append lock past the busy timeout", () => {
  const server = serverForSuite();

  it("answers 503 with Retry-After and the reason (nothing stored), as on SQLite, not after the hold ends; the retry after it stores it", async () => {
    const holder = new pg.Client(server.dbPath);
    await holder.connect();
    await holder.query(`SELECT pg_advisory_lock(${APPEND_LOCK_KEY})`); // as a long rebuild in another process holds it
    const body = event("evt_PgBusy1");
    let busy: Response;
    try {
      busy = await fetch(`${server.url}/webhooks`, { method: "POST", headers: signedHeaders(server.secret, body, { id: "msg_PgBusy1" }), body });
    } finally {
      await holder.end();
    }
    expect(busy.status).toBe(503);
    expect(busy.headers.get("retry-after")).toBe("1");
    expect(((await busy.json()) as { error: { message: string } }).error.message).toBe(STORE_BUSY_MESSAGE);
    expect((await postWebhook(server, body, { id: "msg_PgBusy1" })).status).toBe(200);
    expect(await eventsOfStep(server.app.stepstore.sql, "step_W1")).toHaveLength(1);
  });
});

describe.skipIf(pgHalf)("POST /webhooks when the store's disk is full", () => {
  const server = serverForSuite();

  it("answers 503 with Retry-After and the reason (nothing stored), not a 500; once there is room, the retry stores it", async () => {
    // SQLite's own limit, on the service's connection: the file may not grow, as on a full disk (SQLITE_FULL).
    const sqlite = (server.app.stepstore as unknown as { sqlite: Database.Database }).sqlite;
    const pages = Number(sqlite.pragma("page_count", { simple: true }));
    sqlite.pragma(`max_page_count = ${pages}`);
    // Steps land in the pages the file has until one needs another.
    let n = 0;
    let full: Response;
    let body: string;
    do {
      n++;
      body = event(`evt_Full${n}`, "in_progress", `step_Full${n}`);
      full = await fetch(`${server.url}/webhooks`, { method: "POST", headers: signedHeaders(server.secret, body, { id: `msg_Full${n}` }), body });
    } while (full.status === 200 && n < 500);
    expect(full.status).toBe(503);
    expect(full.headers.get("retry-after")).toBe("10");
    expect(((await full.json()) as { error: { message: string } }).error.message).toBe(STORE_FULL_MESSAGE);
    expect(await eventsOfStep(server.app.stepstore.sql, `step_Full${n}`)).toHaveLength(0);
    sqlite.pragma("max_page_count = 4294967294");
    expect((await postWebhook(server, body, { id: `msg_Full${n}` })).status).toBe(200);
    expect(await eventsOfStep(server.app.stepstore.sql, `step_Full${n}`)).toHaveLength(1);
  });
});
