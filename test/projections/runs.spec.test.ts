import { describe, it } from "vitest";
import { runsProjection } from "../../src/projections/runs/writer.js";
import type { SqlPort } from "../../src/store/sqlPort.js";
import { projectionSpec } from "./projectionSpec.js";
import { run, RUN, runEvent, stepEvent } from "./specEvents.js";

const spec = projectionSpec(runsProjection);

const runRows = (sql: SqlPort) =>
  sql.all<{ id: string; status: string; data: string }>("SELECT id, status, model, expires_at, completed_at, data FROM runs ORDER BY id");

const row = (status: string, changes: Record<string, unknown> = {}) => {
  const snapshot = run(status, changes);
  return { id: RUN, status, model: "gpt-4o", expires_at: snapshot.expires_at, completed_at: snapshot.completed_at, data: JSON.stringify(snapshot) };
};

describe("runs projection", () => {
  it("given nothing, when a run is queued, then its row is that snapshot", () =>
    spec.given().when(runEvent("queued")).then(runRows, [row("queued")]));

  it("given a completed run, when an in-progress snapshot arrives late, then the completed one still wins (higher rank)", () =>
    spec
      .given([runEvent("queued"), runEvent("completed", { completed_at: 1_755_180_100 })])
      .when(runEvent("in_progress"))
      .then(runRows, [row("completed", { completed_at: 1_755_180_100 })]));

  it("given nothing, when a compatible server's run says model null, then it is kept with no model (not rejected)", () =>
    spec.given().when(runEvent("queued", { model: null })).then(runRows, [{ ...row("queued", { model: null }), model: null }]));

  it("given a run, when only its steps' events arrive, then the run's row does not change", () =>
    spec.given([runEvent("in_progress")]).when(stepEvent("in_progress")).then(runRows, [row("in_progress")]));
});
