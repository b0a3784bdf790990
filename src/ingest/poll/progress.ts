import type { PollProgress } from "./types.js";

/** The poll's progress, told to `onProgress` at every change. */
export function createProgress(onProgress?: (progress: PollProgress) => void) {
  let progress: PollProgress = { round: 0, runsDone: 0, runsKnown: 0, steps: 0 };
  const tell = (change: Partial<PollProgress>) => {
    progress = { ...progress, ...change };
    onProgress?.(progress);
  };
  return {
    roundStarted: (round: number, runsKnown: number) => tell({ round, runsDone: 0, runsKnown }),
    runsFound: (count: number) => tell({ runsKnown: progress.runsKnown + count }),
    stepsListed: (count: number) => tell({ steps: progress.steps + count }),
    runDone: () => tell({ runsDone: progress.runsDone + 1 }),
    steps: () => progress.steps,
  };
}

export type Progress = ReturnType<typeof createProgress>;
