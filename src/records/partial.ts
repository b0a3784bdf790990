import { z } from "zod";
import { describe, reasonOf } from "./reason.js";
import { isJsonObject } from "./json.js";

/**
 * Two helpers that let the delta schema be derived from the snapshot schema, so that each field's
 * type and range is written once (CONTRACT §1 v1.1: a delta is validated as strictly as a snapshot).
 */

/** What `byType` dispatches on, kept so that `deepPartial` can rebuild the dispatch for deltas. */
interface Dispatch {
  /** By type name; looked up in a Map, not on a plain object (a `type` of "constructor" must not find a built-in). */
  options: ReadonlyMap<string, z.ZodType>;
  /** A `type` not among the options (absent: rejected, naming the allowed ones). */
  other?: z.ZodType;
  /**
   * In a delta: what another type needs, whether `type` may be left out (then every field is checked against all
   * options), and the `index` every option's entry must carry: its slot in the array it merges into (CONTRACT §5).
   */
  inDelta?: { other?: z.ZodType; typeOptional?: boolean; index?: z.ZodType };
  /** Set on the delta form: checks an object that has no `type`. */
  untyped?: z.ZodType;
}

const dispatches = new WeakMap<z.ZodType, Dispatch>();

type DispatchInput = Omit<Dispatch, "options"> & { options: Record<string, z.ZodType> | ReadonlyMap<string, z.ZodType> };

/** An object checked by the schema its `type` names. */
export function byType(input: DispatchInput): z.ZodType {
  const options = input.options instanceof Map ? input.options : new Map(Object.entries(input.options));
  const dispatch: Dispatch = { ...input, options };
  const names = [...dispatch.options.keys()].join("|");
  const schema = z.unknown().superRefine((value, ctx) => {
    if (!isJsonObject(value)) return void ctx.addIssue({ code: "custom", path: [], message: `expected object, got ${describe(value)}` });
    const type = value.type;
    const chosen = (typeof type === "string" ? dispatch.options.get(type) : undefined) ?? (type === undefined ? dispatch.untyped : undefined) ?? dispatch.other;
    if (!chosen) {
      const message = type === undefined ? `missing required key (expected one of ${names})` : `expected one of ${names}, got ${describe(type)}`;
      return void ctx.addIssue({ code: "custom", path: ["type"], message });
    }
    const result = chosen.safeParse(value, { reportInput: true });
    // Worded here: re-added as they are, the issues would lose their input (a missing key would read as the whole object).
    if (!result.success) for (const issue of result.error.issues) ctx.addIssue({ code: "custom", path: issue.path, message: reasonOf(issue) });
  });
  dispatches.set(schema, dispatch);
  return schema;
}

/** Every option's fields in one object: what an untyped delta part may carry. */
function mergedShape(options: Iterable<z.ZodType>): z.ZodType {
  const shape: Record<string, z.ZodType> = {};
  for (const option of options) if (option instanceof z.ZodObject) Object.assign(shape, option.shape);
  delete shape.type;
  return z.looseObject(shape);
}

/**
 * The schema a delta's part must meet: every key optional, at every depth, each present value
 * checked as the snapshot checks it. Objects stay loose (unknown keys kept).
 */
export function deepPartial(schema: z.ZodType): z.ZodType {
  const dispatch = dispatches.get(schema);
  if (dispatch) {
    const slot = dispatch.inDelta?.index;
    const withSlot = (option: z.ZodType) => (slot && option instanceof z.ZodObject ? option.extend({ index: slot }) : option);
    const options = new Map([...dispatch.options].map(([type, option]) => [type, withSlot(deepPartial(option))] as const));
    return byType({ options, other: dispatch.inDelta?.other, untyped: dispatch.inDelta?.typeOptional ? mergedShape(options.values()) : undefined });
  }
  if (schema instanceof z.ZodObject) {
    const shape = Object.fromEntries(Object.entries(schema.shape as Record<string, z.ZodType>).map(([key, value]) => [key, deepPartial(value).optional()]));
    return z.looseObject(shape);
  }
  if (schema instanceof z.ZodArray) return z.array(deepPartial(schema.element as z.ZodType));
  if (schema instanceof z.ZodOptional) return deepPartial(schema.unwrap() as z.ZodType).optional();
  if (schema instanceof z.ZodNullable) return deepPartial(schema.unwrap() as z.ZodType).nullable();
  return schema;
}
