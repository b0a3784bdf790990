import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { assistantsProjection } from "../../src/projections/assistants/writer.js";
import { assistantNames } from "../../src/projections/assistants/queries.js";
import type { SqlPort } from "../../src/store/sqlPort.js";
import { stepstore, tempDb, tempDir } from "../helpers/cli.js";
import { projectionSpec } from "./projectionSpec.js";

const spec = projectionSpec(assistantsProjection);

const CREATED = 1_755_000_000;
const assistant = (id: string, changes: Record<string, unknown> = {}) => ({
  id, object: "assistant", created_at: CREATED, name: "Support bot", description: null, model: "gpt-4o", instructions: "Help.", tools: [], metadata: {}, ...changes,
});

const assistantRows = (sql: SqlPort) => sql.all("SELECT id, name, model, created_at, data FROM assistants ORDER BY id");
const row = (snapshot: ReturnType<typeof assistant>) => ({ id: snapshot.id, name: snapshot.name, model: snapshot.model, created_at: snapshot.created_at, data: JSON.stringify(snapshot) });

/** The names `assistantNames` gives for these ids, as a plain object. */
const namesOf = (...ids: string[]) => async (sql: SqlPort) => [Object.fromEntries(await assistantNames(sql, ids))];

describe("assistants projection", () => {
  it("given nothing, when an assistant record arrives, then its row is that snapshot", () =>
    spec.given().when(assistant("asst_a")).then(assistantRows, [row(assistant("asst_a"))]));

  it("given an assistant, when an unnamed copy arrives, then the named one stays (a missing name never hides one)", () =>
    spec.given([assistant("asst_a")]).when(assistant("asst_a", { name: null })).then(assistantRows, [row(assistant("asst_a"))]));

  it("given an unnamed assistant, when a named copy arrives, then the named one wins", () =>
    spec.given([assistant("asst_a", { name: null })]).when(assistant("asst_a", { name: "Billing" })).then(assistantRows, [row(assistant("asst_a", { name: "Billing" }))]));

  it.each([
    ["the rename first", [assistant("asst_a", { name: "Zed" })], assistant("asst_a", { name: "Abe" })],
    ["the rename last", [assistant("asst_a", { name: "Abe" })], assistant("asst_a", { name: "Zed" })],
  ])("given two names of one assistant (%s), then the larger canonical JSON wins whatever the order", (_, given, arriving) =>
    spec.given(given).when(arriving).then(assistantRows, [row(assistant("asst_a", { name: "Zed" }))]));

  it("given a snapshot with a larger created_at, then it wins over a larger canonical JSON", () =>
    spec.given([assistant("asst_a", { name: "Zed" })]).when(assistant("asst_a", { name: "Abe", created_at: CREATED + 1 }))
      .then(assistantRows, [row(assistant("asst_a", { name: "Abe", created_at: CREATED + 1 }))]));

  it("given assistants with and without names, assistantNames gives each named one asked for, by id", () =>
    spec.given([assistant("asst_a"), assistant("asst_b", { name: null })]).when(assistant("asst_c", { name: "Research <b>" }))
      .then(namesOf("asst_a", "asst_b", "asst_c", "asst_unknown", "asst_a"), [{ asst_a: "Support bot", asst_c: "Research <b>" }]));

  it("given more assistants than one query binds, assistantNames finds them all", async () => {
    const many = Array.from({ length: 1_203 }, (_, i) => assistant(`asst_${String(i).padStart(4, "0")}`, { name: `n${i}` }));
    await spec.given(many).when().then(async (sql) => [(await assistantNames(sql, many.map((a) => a.id))).size], [1_203]);
  });
});

describe("assistants through the CLI (both stores)", () => {
  it("given an export's assistants ingested, verify agrees, rebuild gives the same rows, and the HTML report names them", async () => {
    const db = tempDb();
    const file = join(tempDir(), "assistants.jsonl");
    const records = [assistant("asst_a", { name: null }), assistant("asst_a", { name: "Refunds desk" }), assistant("asst_b", { name: "Zed" }), assistant("asst_b", { name: "Abe" })];
    const step = { id: "step_1", object: "thread.run.step", created_at: CREATED, assistant_id: "asst_a", thread_id: "thread_1", run_id: "run_1", type: "message_creation", status: "in_progress", step_details: { type: "message_creation", message_creation: { message_id: "msg_1" } } };
    writeFileSync(file, [...records, step].map((record) => JSON.stringify(record)).join("\n") + "\n");
    expect((await stepstore(["ingest", "--db", db, file])).code).toBe(0);
    const rows = async () => JSON.parse((await stepstore(["sql", "--db", db, "--format", "json", "SELECT id, name FROM assistants ORDER BY id"])).stdout) as unknown;
    const expected = [{ id: "asst_a", name: "Refunds desk" }, { id: "asst_b", name: "Zed" }];
    expect(await rows()).toEqual(expected);
    expect((await stepstore(["verify", "--db", db])).stdout).toMatch(/^ok: 5 events/);
    expect((await stepstore(["rebuild", "--db", db])).code).toBe(0);
    expect(await rows()).toEqual(expected);
    const html = await stepstore(["report", "--db", db, "--format", "html"]);
    expect(html.stdout).toContain("Refunds desk<div class=\"id\">asst_a</div>");
    expect(html.stdout).toContain("Refunds desk (asst_a)");
  });
});
