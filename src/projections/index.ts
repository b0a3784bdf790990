import { assistantsProjection } from "./assistants/writer.js";
import type { Projection } from "./projection.js";
import { runStepsProjection } from "./runSteps/writer.js";
import { runsProjection } from "./runs/writer.js";

/** Every projection the store keeps current, in the order they are applied. A new read model is a folder beside these, listed here. */
export const PROJECTIONS: readonly Projection[] = [runStepsProjection, runsProjection, assistantsProjection];
