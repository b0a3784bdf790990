import type { StepFacts } from "../changes.js";
import { COUNT_INDEX, dimensionCells, noCounts, sameCells, STATUS_INDEX, timedSeconds, type Cell, type Counts, type ModelSums } from "./cells.js";
import { UNKNOWN_MODEL } from "./dimensions.js";

/** What steps add to a summary: its counts, its histogram by completion second, its sums by model. */
interface Contribution {
  counts: Counts;
  seconds: Map<number, number>;
  models: Map<string, ModelSums>;
}

/** One batch's net change to a summary. */
export interface SummaryChange extends Cell, Contribution {}

const noContribution = (): Contribution => ({ counts: noCounts(), seconds: new Map(), models: new Map() });

const { steps: STEPS, timedSteps: TIMED_STEPS, timedSeconds: TIMED_SECONDS, promptTokens: PROMPT, completionTokens: COMPLETION, totalTokens: TOTAL } = COUNT_INDEX;

function addStep({ counts, seconds, models }: Contribution, step: StepFacts, model: string, sign: 1 | -1): void {
  const prompt = sign * (step.promptTokens ?? 0);
  const completion = sign * (step.completionTokens ?? 0);
  counts[STEPS]! += sign;
  counts[PROMPT]! += prompt;
  counts[COMPLETION]! += completion;
  counts[TOTAL]! += sign * (step.totalTokens ?? 0);
  const status = STATUS_INDEX.get(step.status);
  if (status !== undefined) counts[status]! += sign;
  const timed = timedSeconds(step);
  if (timed !== null) {
    counts[TIMED_STEPS]! += sign;
    counts[TIMED_SECONDS]! += sign * timed;
    seconds.set(timed, (seconds.get(timed) ?? 0) + sign);
  }
  addModelSums(models, [model, sign, prompt, completion]);
}

function addModelSums(models: Map<string, ModelSums>, [model, steps, prompt, completion]: ModelSums): void {
  const sums = models.get(model);
  if (sums === undefined) models.set(model, [model, steps, prompt, completion]);
  else {
    sums[1] += steps;
    sums[2] += prompt;
    sums[3] += completion;
  }
}

/** Adds one step's contribution to a summary's change. */
function addContribution(change: SummaryChange, { counts, seconds, models }: Contribution): void {
  for (let i = 0; i < counts.length; i++) change.counts[i]! += counts[i]!;
  for (const [second, steps] of seconds) change.seconds.set(second, (change.seconds.get(second) ?? 0) + steps);
  for (const sums of models.values()) addModelSums(change.models, sums);
}

/** One batch's net changes to the summaries, by cell. */
export class RollupDelta {
  readonly summaries = new Map<string, SummaryChange>();

  /** Adds a step's contribution to each summary it counts in under `model` (a change made where the batch has none yet). */
  private addTo(step: StepFacts, model: string, contribution: Contribution): void {
    for (const { cell, dimension, key } of dimensionCells(step, model)) {
      let change = this.summaries.get(cell);
      if (change === undefined) this.summaries.set(cell, (change = { cell, dimension, key, ...noContribution() }));
      addContribution(change, contribution);
    }
  }

  private add(step: StepFacts, model: string, sign: 1 | -1): void {
    const contribution = noContribution();
    addStep(contribution, step, model, sign);
    this.addTo(step, model, contribution);
  }

  /**
   * A step moved from `before` (under its run's model then) to `after` (under its run's model now). Most moves change
   * a status or tokens and keep every key: the move is then netted once and added to each of its summaries.
   */
  move(before: StepFacts | null, modelBefore: string | null, after: StepFacts | null, modelAfter: string | null): void {
    const [fromModel, toModel] = [modelBefore ?? UNKNOWN_MODEL, modelAfter ?? UNKNOWN_MODEL];
    if (before === null || after === null || !sameCells(before, fromModel, after, toModel)) {
      if (before) this.add(before, fromModel, -1);
      if (after) this.add(after, toModel, 1);
      return;
    }
    const net = noContribution();
    addStep(net, before, fromModel, -1);
    addStep(net, after, toModel, 1);
    this.addTo(after, toModel, net);
  }
}

/** Whether a change moves anything: a count, a second of the histogram, or a model's sums (a run's new model moves steps between models). */
export function changesAnything(change: SummaryChange): boolean {
  if (change.counts.some((n) => n !== 0)) return true;
  for (const steps of change.seconds.values()) if (steps !== 0) return true;
  for (const [, steps, prompt, completion] of change.models.values()) if (steps !== 0 || prompt !== 0 || completion !== 0) return true;
  return false;
}
