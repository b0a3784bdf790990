import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { Readable } from "node:stream";
import { FILE_SEARCH_CONTENT, getRunStep, logDataWithoutFileSearchContent, pageRunSteps, withoutFileSearchContent } from "../../projections/runSteps/queries.js";
import type { RunStepRow } from "../../projections/runSteps/row.js";
import { getRunSnapshot } from "../../projections/runs/queries.js";
import { eventPages, eventRowJson } from "../../store/readEvents.js";
import type { SqlPort } from "../../store/sqlPort.js";
import type { Store } from "../../store/store.js";
import { sendError } from "../errors.js";
import { optionGiven, type Query } from "../requestParams.js";

interface StepRoutesOptions {
  store: Store;
}

interface RunParams {
  thread_id: string;
  run_id: string;
}
interface StepParams extends RunParams {
  step_id: string;
}

const INCLUDES = new Set([FILE_SEARCH_CONTENT]);

class BadRequest extends Error {
  constructor(message: string, readonly param: string) {
    super(message);
  }
}

const single = (query: Query, name: string) => optionGiven(query, name, (message) => new BadRequest(message, name));

/** `include[]` as the SDK sends it (`include[]=a&include[]=b`), indexed as other clients' encoders write it (`include[0]=a`), or plain `include`. */
const INCLUDE_PARAM = /^include(?:\[\d*\])?$/;

function includesOf(query: Query): Set<string> {
  const values = Object.entries(query).flatMap(([name, value]) => (INCLUDE_PARAM.test(name) ? [value ?? []].flat() : []));
  for (const value of values) {
    if (!INCLUDES.has(value)) throw new BadRequest(`Invalid value for 'include': ${JSON.stringify(value)}; supported: ${[...INCLUDES].join(", ")}`, "include");
  }
  return new Set(values);
}

function presented(step: RunStepRow, includes: Set<string>): RunStepRow {
  return includes.has(FILE_SEARCH_CONTENT) ? step : withoutFileSearchContent(step);
}

function listQuery(query: Query) {
  const limitText = single(query, "limit") ?? "20";
  const limit = /^\d+$/.test(limitText) ? Number(limitText) : NaN;
  if (!(limit >= 1 && limit <= 100)) throw new BadRequest(`Invalid 'limit': expected an integer from 1 to 100, got ${JSON.stringify(limitText)}`, "limit");
  const order = single(query, "order") ?? "desc";
  if (order !== "asc" && order !== "desc") throw new BadRequest(`Invalid 'order': expected 'asc' or 'desc', got ${JSON.stringify(order)}`, "order");
  return { limit, order, after: single(query, "after"), before: single(query, "before") } as const;
}

function badRequest(reply: FastifyReply, error: unknown) {
  if (error instanceof BadRequest) return sendError(reply, 400, error.message, { param: error.param });
  throw error;
}

/**
 * Rows the `/events` answer reads at a time: the list is streamed a page at a time, as a step's log has no bound (an
 * audit's step of 50,000 deltas made a 226 MB answer, built whole at 823 MB, the loop held 7.5 s meanwhile).
 */
const EVENT_PAGE_ROWS = 100;

/** A step's log rows as OpenAI's list JSON, in parts: each row's data as stored, not re-serialised (the log keeps the bytes received). */
async function* eventListJson(port: SqlPort, stepId: string, presentedData: (data: string) => string): AsyncGenerator<string> {
  yield '{"object":"list","data":[';
  let first = true;
  for await (const page of eventPages(port, { stepId }, EVENT_PAGE_ROWS)) {
    yield `${first ? "" : ","}${page.map((row) => eventRowJson({ ...row, data: presentedData(row.data) })).join(",")}`;
    first = false;
  }
  yield "]}";
}

/** The step a request names and the includes it asks for; none where the reply (400 or 404) has been sent. */
async function requestedStep(store: Store, request: FastifyRequest<{ Params: StepParams; Querystring: Query }>, reply: FastifyReply) {
  let includes;
  try {
    includes = includesOf(request.query);
  } catch (error) {
    badRequest(reply, error);
    return null;
  }
  const { thread_id: threadId, run_id: runId, step_id: stepId } = request.params;
  const step = await getRunStep(store.sql, { threadId, runId, stepId });
  if (step) return { step, includes };
  sendError(reply, 404, `No run step found with id '${stepId}'.`);
  return null;
}

/** OpenAI's list and retrieve run-step routes, and a step's log rows (an extension). */
export const stepRoutes: FastifyPluginAsync<StepRoutesOptions> = async (app, { store }) => {
  app.get<{ Params: RunParams; Querystring: Query }>("/v1/threads/:thread_id/runs/:run_id/steps", async (request, reply) => {
    let query;
    let includes;
    try {
      query = listQuery(request.query);
      includes = includesOf(request.query);
    } catch (error) {
      return badRequest(reply, error);
    }
    const { thread_id: threadId, run_id: runId } = request.params;
    const page = await pageRunSteps(store.sql, { threadId, runId, ...query });
    if (page === null) {
      const cursors = (["after", "before"] as const).filter((name) => query[name] !== undefined);
      const named = cursors.map((name) => `'${name}' (${query[name]})`).join(" or ");
      return sendError(reply, 400, `No run step found for the cursor in ${named}.`, { param: cursors.length === 1 ? cursors[0] : null });
    }
    // No step and no cursor (which would name one): a run the store has neither steps nor a snapshot of is a 404, as
    // OpenAI answers an unknown run (a mistyped id is told so, not answered with an empty list).
    if (page.data.length === 0 && query.after === undefined && query.before === undefined && !(await getRunSnapshot(store.sql, threadId, runId))) {
      return sendError(reply, 404, `No run found with id '${runId}'.`);
    }
    const data = page.data.map((step) => presented(step, includes));
    return { object: "list", data, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null, has_more: page.hasMore };
  });

  app.get<{ Params: StepParams; Querystring: Query }>("/v1/threads/:thread_id/runs/:run_id/steps/:step_id", async (request, reply) => {
    const found = await requestedStep(store, request, reply);
    return found ? presented(found.step, found.includes) : reply;
  });

  // The same data as the step's, so the same rule: file_search content only when include[] asks for it.
  app.get<{ Params: StepParams; Querystring: Query }>("/v1/threads/:thread_id/runs/:run_id/steps/:step_id/events", async (request, reply) => {
    const found = await requestedStep(store, request, reply);
    if (!found) return reply;
    const { step, includes } = found;
    const presentedData = includes.has(FILE_SEARCH_CONTENT) ? (data: string) => data : logDataWithoutFileSearchContent;
    return reply.type("application/json; charset=utf-8").send(Readable.from(eventListJson(store.sql, step.id, presentedData)));
  });
};
