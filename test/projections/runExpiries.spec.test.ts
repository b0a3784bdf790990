import { describe, it } from "vitest";
import { runStepsProjection } from "../../src/projections/runSteps/writer.js";
import type { SqlPort } from "../../src/store/sqlPort.js";
import { projectionSpec } from "./projectionSpec.js";
import { RUN, runEvent, stepEvent } from "./specEvents.js";

// run_expiries is kept by the run-step projection (one checkpoint): what it knows of each expired run.
const spec = projectionSpec(runStepsProjection);

const expiries = (sql: SqlPort) => sql.all("SELECT run_id, expires_at, envelope_created_at FROM run_expiries ORDER BY run_id");

describe("run_expiries (within the run-step projection)", () => {
  it("given nothing, when a run expires, then its expiry is kept with the envelope's time", () =>
    spec.given().when(runEvent("expired", {}, 1_755_180_600)).then(expiries, [{ run_id: RUN, expires_at: 1_755_180_590, envelope_created_at: 1_755_180_600 }]));

  it("given an expired run, when a later expiry says a larger expires_at, then the larger is kept", () =>
    spec
      .given([runEvent("expired", {}, 1_755_180_600)])
      .when(runEvent("expired", { expires_at: 1_755_180_700 }, 1_755_180_650))
      .then(expiries, [{ run_id: RUN, expires_at: 1_755_180_700, envelope_created_at: 1_755_180_650 }]));

  it("given a run in progress, when only its steps arrive, then no expiry is known", () =>
    spec.given([runEvent("in_progress")]).when(stepEvent("in_progress")).then(expiries, []));
});
