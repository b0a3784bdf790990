/** Records for the hostile-input tests: valid steps, and a record whose extra key nests `depth` levels. */
export const stepLine = (id: string, extra: Record<string, unknown> = {}) => JSON.stringify({
  id, object: "thread.run.step", created_at: 1755180000, assistant_id: "asst_Q8fKx2LmZp0Rt4Vb",
  thread_id: "thread_Wq3nE8rT5yUi0oPa", run_id: "run_Ex41pQ7zLm2Kd9Ya", type: "tool_calls", status: "in_progress",
  step_details: { type: "tool_calls", tool_calls: [] }, last_error: null, expired_at: null, cancelled_at: null,
  failed_at: null, completed_at: null, metadata: { tenant: "acme" }, usage: null, ...extra,
});

/** A valid step event in webhook form. */
export const eventLine = (id: string, stepId = "step_Event") =>
  `{"id":"${id}","object":"event","type":"thread.run.step.created","created_at":1755180001,"data":${stepLine(stepId)}}`;

/**
 * A step event whose extra key `x_deep` (a newer server's, kept whole) is `depth` arrays nested in one
 * another: ~2 bytes a level. Not in `metadata`: its values must be strings, so only the depth is on trial.
 */
export const deepEvent = (id: string, depth: number) =>
  `{"id":"${id}","object":"event","type":"thread.run.step.created","created_at":1755180001,"data":${
    stepLine("step_Deep", { x_deep: "@" }).replace('"@"', `{"deep":${"[".repeat(depth)}${"]".repeat(depth)}}`)}}`;

/** `text` as UTF-8 with its one `marker` replaced by raw `bytes` (which need not be UTF-8). */
export function withBytes(text: string, marker: string, bytes: Buffer): Buffer {
  const at = text.indexOf(marker);
  return Buffer.concat([Buffer.from(text.slice(0, at)), bytes, Buffer.from(text.slice(at + marker.length))]);
}
