import { assistantsProjection } from "./assistants/writer.js";
import type { Projection } from "./projection.js";
import { runStepsProjection } from "./runSteps/writer.js";
import { runsProjection } from "./runs/writer.js";
import { stepStatsProjection } from "./stepStats/writer.js";

/** Every projection the store keeps current, in the order they are applied. A new read model is a folder beside these, listed here. The rollups come last: they count what the others changed. */
export const PROJECTIONS: readonly Projection[] = [runStepsProjection, runsProjection, assistantsProjection, stepStatsProjection];
