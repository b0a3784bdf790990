type Json = Record<string, unknown>;

/** Each event's lane: its run (a delta through its step, a thread's creation by its thread), so a lane is in natural order. */
export function lanesOf(events: readonly Json[]): Map<string, Json[]> {
  const runOfStep = new Map<string, string>();
  const lanes = new Map<string, Json[]>();
  for (const event of events) {
    const data = event.data as Json;
    let lane: string;
    if (data.object === "thread.run") lane = data.id as string;
    else if (data.object === "thread.run.step.delta") lane = runOfStep.get(data.id as string)!;
    else if (typeof data.run_id === "string") {
      lane = data.run_id;
      if (data.object === "thread.run.step") runOfStep.set(data.id as string, lane);
    } else lane = data.id as string;
    if (!lanes.has(lane)) lanes.set(lane, []);
    lanes.get(lane)!.push(event);
  }
  return lanes;
}
