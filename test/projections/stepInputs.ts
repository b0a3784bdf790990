/**
 * Generated valid inputs for one step, as sparse as the contract allows: snapshots that leave out what
 * RunStepObject lets them (function `output`, file_search `results`, `metadata`, …) and deltas that carry
 * any subset of a tool call's fields. With `extensions`, also what §1 lets a newer server send: extra
 * keys, a vendor tool type, any `last_error.code` and `ranker`.
 */
import fc from "fast-check";

type Json = Record<string, unknown>;
export const STEP_ID = "step_Spec0Gen1";
export const RUN_ID = "run_Spec0Gen1";

type Kind = "function" | "code_interpreter" | "file_search" | "bing_grounding";
type OutputKind = "logs" | "image";
interface Slot { kind: Kind; outputs: OutputKind[] }

const text = fc.string({ maxLength: 5 });
const unit = fc.integer({ min: 0, max: 100 }).map((n) => n / 100);
/** A key left out (undefined: dropped by JSON.stringify) or present. */
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const json = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** Keys a delta may not carry anywhere (CONTRACT §5 rule 3): a valid input never holds them. */
const FORBIDDEN_IN_DELTAS = ["__proto__", "constructor", "prototype"];
const holdsForbiddenKey = (value: unknown): boolean =>
  value !== null && typeof value === "object" && Object.entries(value).some(([key, item]) => FORBIDDEN_IN_DELTAS.includes(key) || holdsForbiddenKey(item));

function extra(extensions: boolean): fc.Arbitrary<Json> {
  const newer = fc.jsonValue({ maxDepth: 1 }).filter((value) => !holdsForbiddenKey(value));
  return extensions ? fc.oneof(fc.constant({}), fc.record({ x_newer: newer })) : fc.constant({});
}

const slotArb = (extensions: boolean): fc.Arbitrary<Slot> =>
  fc.record({
    kind: fc.constantFrom<Kind>(...(["function", "code_interpreter", "file_search"] as Kind[]), ...(extensions ? (["bing_grounding"] as Kind[]) : [])),
    outputs: fc.array(fc.constantFrom<OutputKind>("logs", "image"), { maxLength: 2 }),
  });

function outputSnapshot(kind: OutputKind, extensions: boolean) {
  const body = kind === "logs" ? fc.record({ type: fc.constant("logs"), logs: text }) : fc.record({ type: fc.constant("image"), image: fc.record({ file_id: text }) });
  return fc.tuple(body, extra(extensions)).map(([b, e]) => ({ ...b, ...e }));
}

function toolCallSnapshot(slot: Slot, i: number, extensions: boolean): fc.Arbitrary<Json> {
  const id = fc.constant(`call_${i}`);
  const ranker = extensions ? fc.oneof(fc.constantFrom("auto", "default_2024_08_21"), text) : fc.constantFrom("auto", "default_2024_08_21");
  const inner: Record<Kind, fc.Arbitrary<Json>> = {
    function: fc.record({ name: text, arguments: text, output: maybe(fc.option(text)) }),
    code_interpreter: fc.record({ input: text, outputs: fc.tuple(...slot.outputs.map((k) => outputSnapshot(k, extensions))) }),
    file_search: fc.record({
      ranking_options: maybe(fc.record({ ranker, score_threshold: unit })),
      results: maybe(fc.array(fc.record({ file_id: text, file_name: text, score: unit, content: maybe(fc.array(fc.record({ type: fc.constant("text"), text }))) }), { maxLength: 2 })),
    }),
    bing_grounding: fc.record({ requesturl: text }),
  };
  return fc.tuple(id, inner[slot.kind], extra(extensions)).map(([callId, body, e]) => json({ id: callId, type: slot.kind, [slot.kind]: { ...body, ...e } }));
}

function outputChunk(kind: OutputKind, index: number): fc.Arbitrary<Json> {
  return kind === "logs"
    ? fc.record({ index: fc.constant(index), type: fc.constant("logs"), logs: maybe(text) })
    : fc.record({ index: fc.constant(index), type: fc.constant("image"), image: maybe(fc.record({ file_id: maybe(text) })) });
}

/** One streamed piece of a slot's tool call: any subset of its fields. */
function toolCallChunk(slot: Slot, index: number, extensions: boolean, outputIndex?: number): fc.Arbitrary<Json> {
  const outputs = outputIndex === undefined
    ? fc.constant(undefined)
    : outputChunk(slot.outputs[outputIndex]!, outputIndex).map((o) => [o]);
  const inner: Record<Kind, fc.Arbitrary<Json | undefined>> = {
    function: maybe(fc.record({ name: maybe(text), arguments: maybe(text), output: maybe(fc.option(text)) })),
    code_interpreter: fc.record({ input: maybe(text), outputs }),
    file_search: maybe(fc.constant({})),
    bing_grounding: maybe(fc.record({ requesturl: text })),
  };
  return fc.tuple(maybe(fc.constant(`call_${index}`)), inner[slot.kind], extra(extensions))
    .map(([id, body, e]) => json({ index, type: slot.kind, id, [slot.kind]: body, ...e }));
}

const deltaRecord = (stepDetails: Json): Json => ({ id: STEP_ID, object: "thread.run.step.delta", delta: { step_details: stepDetails } });

function snapshotRecord(type: string, details: fc.Arbitrary<Json>, extensions: boolean): fc.Arbitrary<Json> {
  const code = extensions ? fc.oneof(fc.constantFrom("server_error", "rate_limit_exceeded"), text) : fc.constantFrom("server_error", "rate_limit_exceeded");
  const stamp = fc.option(fc.integer({ min: 1_755_000_000, max: 1_755_000_100 }));
  return fc.record({
    status: fc.constantFrom("in_progress", "completed", "failed", "cancelled", "expired"),
    step_details: details,
    last_error: maybe(fc.option(fc.record({ code, message: text }))),
    completed_at: stamp, failed_at: stamp, cancelled_at: stamp, expired_at: stamp,
    metadata: maybe(fc.option(fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), text, { maxKeys: 2 }))),
    usage: maybe(fc.option(fc.record({ prompt_tokens: fc.nat(), completion_tokens: fc.nat(), total_tokens: fc.nat() }))),
    more: extra(extensions),
  }).map(({ more, ...fields }) => json({
    id: STEP_ID, object: "thread.run.step", created_at: 1_755_000_000, assistant_id: "asst_1", thread_id: "thread_1", run_id: RUN_ID, type, ...fields, ...more,
  }));
}

/** A message_creation or tool_calls step's snapshots (at least one) and deltas, each a record of its own. */
export function stepRecords(extensions: boolean): fc.Arbitrary<{ snapshots: Json[]; deltas: Json[] }> {
  const message = fc.record({
    snapshots: fc.array(snapshotRecord("message_creation", fc.record({ type: fc.constant("message_creation"), message_creation: fc.record({ message_id: text }) }), extensions), { minLength: 1, maxLength: 3 }),
    deltas: fc.array(fc.record({ type: maybe(fc.constant("message_creation")), message_creation: maybe(fc.record({ message_id: maybe(text) })) }).map((d) => deltaRecord(json(d))), { maxLength: 4 }),
  });
  const tools = fc.array(slotArb(extensions), { maxLength: 3 }).chain((slots) => {
    const details = (n: number) => fc.tuple(...slots.slice(0, n).map((s, i) => toolCallSnapshot(s, i, extensions))).map((calls) => ({ type: "tool_calls", tool_calls: calls }));
    // Every slot and output slot streams at least once (a skipped slot is left out of the row: render.test.ts), then more pieces.
    const covering = slots.flatMap((s, i) => [toolCallChunk(s, i, extensions), ...s.outputs.map((_, j) => toolCallChunk(s, i, extensions, j))]);
    const more = slots.length === 0 ? fc.constant([]) : fc.array(fc.nat().chain((n) => toolCallChunk(slots[n % slots.length]!, n % slots.length, extensions)), { maxLength: 4 });
    const chunks = fc.tuple(fc.tuple(...covering), more).map(([a, b]) => [...a, ...b]);
    return fc.record({
      snapshots: fc.array(fc.nat(slots.length).chain((n) => snapshotRecord("tool_calls", details(n), extensions)), { minLength: 1, maxLength: 3 }),
      deltas: fc.boolean().chain((streamed): fc.Arbitrary<Json[]> => (streamed ? chunks : fc.constant([]))).chain((c) => fc.shuffledSubarray(c, { minLength: c.length, maxLength: c.length }))
        .map((c) => c.map((call) => deltaRecord({ type: "tool_calls", tool_calls: [call] }))),
    });
  });
  return fc.oneof(message, tools);
}

/** A valid delta with only the fields the three OpenAI tool types define (no extension): the one to corrupt. */
export const plainDelta: fc.Arbitrary<Json> = slotArb(false).chain((slot) =>
  (slot.outputs.length ? fc.nat(slot.outputs.length - 1).map((j): number | undefined => j) : fc.constant(undefined))
    .chain((j) => toolCallChunk(slot, 0, false, j))
    .map((call) => deltaRecord({ type: "tool_calls", tool_calls: [call] })),
);
