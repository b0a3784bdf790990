/** Webhook-form events of one run and its step, for the projection specs. */
type Json = Record<string, unknown>;

export const THREAD = "thread_Wq3nE8rT5yUi0oPa";
export const RUN = "run_Ex41pQ7zLm2Kd9Ya";
export const STEP = "step_Ab3cD4eF5gH6";
const ASSISTANT = "asst_Q8fKx2LmZp0Rt4Vb";

let eventNo = 0;
const event = (type: string, data: Json, createdAt = 1_755_180_000): Json => ({ id: `evt_spec_${++eventNo}`, object: "event", type, created_at: createdAt, data });

export function step(status: string, changes: Json = {}): Json {
  return {
    id: STEP, object: "thread.run.step", created_at: 1_755_180_000, assistant_id: ASSISTANT, thread_id: THREAD, run_id: RUN,
    type: "tool_calls", status, step_details: { type: "tool_calls", tool_calls: [] }, last_error: null, expired_at: null,
    cancelled_at: null, failed_at: null, completed_at: null, metadata: {}, usage: null, ...changes,
  };
}

export function run(status: string, changes: Json = {}): Json {
  return {
    id: RUN, object: "thread.run", created_at: 1_755_179_990, thread_id: THREAD, assistant_id: ASSISTANT, status, model: "gpt-4o",
    started_at: null, expires_at: 1_755_180_590, cancelled_at: null, failed_at: null, completed_at: null, ...changes,
  };
}

export const stepEvent = (status: string, changes: Json = {}) => event(`thread.run.step.${status === "in_progress" ? "in_progress" : status}`, step(status, changes));
export const runEvent = (status: string, changes: Json = {}, createdAt?: number) => event(`thread.run.${status}`, run(status, changes), createdAt);
export const deltaEvent = (toolCalls: Json[]) =>
  event("thread.run.step.delta", { id: STEP, object: "thread.run.step.delta", delta: { step_details: { type: "tool_calls", tool_calls: toolCalls } } });

export const functionCall = (args: string) => ({ index: 0, id: "call_q1", type: "function", function: { name: "search_kb", arguments: args, output: null } });
