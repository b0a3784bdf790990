import type { FastifyPluginAsync } from "fastify";
import type { PriceTable } from "../../analytics/prices.js";
import { parseReportParams, ReportParamError, type ReportParamsInput } from "../../analytics/report.js";
import { renderReport } from "../../analytics/render/index.js";
import type { Store } from "../../store/store.js";
import { sendError } from "../errors.js";

export interface StatsRoutesOptions {
  store: Store;
  prices: PriceTable;
}

type Query = Record<string, string | string[] | undefined>;

const FILTERS = ["from", "to", "assistant", "model"] as const;
const PARAMS = [...FILTERS, "format"] as const;

/** The query parameters of `report`, each at most once; a repeated one is a ReportParamError. */
function reportInput(query: Query, by: string | undefined, allowed: readonly string[]): ReportParamsInput {
  const input: Record<string, string | undefined> = { by };
  for (const name of allowed) {
    const value = query[name];
    if (Array.isArray(value)) throw new ReportParamError(`'${name}' may be given once`, name);
    input[name] = value === "" ? undefined : value;
  }
  return input;
}

/**
 * `GET /v1/stats/{dimension}`: the report JSON of CONTRACT §8 (`from`, `to`, `assistant`, `model`; `format` json|csv|md|html,
 * default json). `GET /report`: the HTML report (`by`, `from`, `to`, `assistant`, `model`). Bad parameters: 400 in the API's
 * error shape, naming the allowed values.
 */
export const statsRoutes: FastifyPluginAsync<StatsRoutesOptions> = async (app, { store, prices }) => {
  app.get<{ Params: { dimension: string }; Querystring: Query }>("/v1/stats/:dimension", async (request, reply) => {
    try {
      const params = parseReportParams(reportInput(request.query, request.params.dimension, PARAMS));
      const { contentType, body } = await renderReport(store.sql, params, prices);
      return reply.type(contentType).send(body);
    } catch (error) {
      if (error instanceof ReportParamError) return sendError(reply, 400, error.message, { param: error.param === "by" ? "dimension" : error.param });
      throw error;
    }
  });

  app.get<{ Querystring: Query }>("/report", async (request, reply) => {
    try {
      const { by } = reportInput(request.query, undefined, ["by"]);
      const params = parseReportParams({ ...reportInput(request.query, by, FILTERS), format: "html" });
      const { contentType, body } = await renderReport(store.sql, params, prices);
      return reply.type(contentType).send(body);
    } catch (error) {
      if (error instanceof ReportParamError) return sendError(reply, 400, error.message, { param: error.param });
      throw error;
    }
  });
};
