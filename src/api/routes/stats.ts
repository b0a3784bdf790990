import type { FastifyPluginAsync, FastifyReply } from "fastify";
import type { PriceTable } from "../../analytics/prices.js";
import { parseReportParams, ReportParamError, type ReportParams, type ReportParamsInput } from "../../analytics/report.js";
import { REPORT_CSP } from "../../analytics/render/html.js";
import type { RenderedReport } from "../../analytics/render/index.js";
import { foldedPosition, READ_MODELS } from "../../projections/behind.js";
import { storeVersion } from "../../store/checkpoints.js";
import type { Store } from "../../store/store.js";
import { sendError } from "../errors.js";
import { optionGiven, refuseUnknown, type Query } from "../requestParams.js";
import { createReportCache, type KeptReport } from "../reportCache.js";
import { createReportRenderer } from "../reportRenderer.js";

interface StatsRoutesOptions {
  store: Store;
  prices: PriceTable;
}

const FILTERS = ["from", "to", "assistant", "model"] as const;
const PARAMS = [...FILTERS, "format"] as const;
const REPORT_PAGE_PARAMS = ["by", ...FILTERS, "format"] as const;

/** A query parameter the route does not take, named as given (`by` included: on `/v1/stats` the dimension is the path's). */
class UnknownParam extends ReportParamError {}

const unknownParam = (message: string, name: string) => new UnknownParam(message, name);

/** `/report` is the HTML report: `format=html` says so, any other format is asked of `/v1/stats` rather than answered as HTML. */
function refuseOtherFormat(format: string | undefined, by: string | undefined): void {
  if (format === undefined || format === "html") return;
  const other = `/v1/stats/${by ?? "assistant"}?format=${format}`;
  throw new ReportParamError(`/report answers HTML only (format=html); for ${JSON.stringify(format)} ask ${other}`, "format");
}

/** The query parameters of `report`, each at most once; a repeated one is a ReportParamError. */
function reportInput(query: Query, by: string | undefined, allowed: readonly string[]): ReportParamsInput {
  const input: Record<string, string | undefined> = { by };
  for (const name of allowed) input[name] = optionGiven(query, name, (message) => new ReportParamError(message, name));
  return input;
}

const send = (reply: FastifyReply, report: RenderedReport | KeptReport) => reply.type(report.contentType).send(report.body);

/** `If-None-Match` holds this ETag (one of a list, weak or not), or `*`: any current representation (RFC 9110 §13.1.2). */
const matches = (header: string | undefined, etag: string) =>
  header !== undefined && (header.trim() === "*" || header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag));

/**
 * `GET /v1/stats/{dimension}`: the report JSON of CONTRACT §8 (`from`, `to`, `assistant`, `model`; `format` json|csv|md|html,
 * default json). `GET /report`: the HTML report (`by`, `from`, `to`, `assistant`, `model`; `format` only `html`). Bad or unknown
 * parameters: 400 in the API's error shape, naming the allowed ones.
 */
export const statsRoutes: FastifyPluginAsync<StatsRoutesOptions> = async (app, { store, prices }) => {
  const cache = createReportCache();
  const renderer = createReportRenderer(store, prices);
  app.addHook("onClose", () => renderer.close());
  /** The log's position the read models are folded to and the store's version, or null while they are behind. */
  const versionedPosition = async () => {
    const [position, version] = await Promise.all([foldedPosition(store.sql, READ_MODELS), storeVersion(store.sql)]);
    return position === null ? null : `${position}.${version}`;
  };
  /** The report as of the log's last position: from the cache, or 304 for the client's own copy, or read and kept. */
  const answer = async (params: ReportParams, ifNoneMatch: string | undefined, reply: FastifyReply) => {
    const position = await versionedPosition();
    if (position === null) return send(reply, await renderer.render(params)); // a rebuild under way: nothing kept
    const etag = cache.etagAt(position);
    reply.header("etag", etag).header("cache-control", "no-cache");
    if (matches(ifNoneMatch, etag)) return reply.code(304).send();
    const request = JSON.stringify(params);
    const cached = cache.get(request, position);
    if (cached) return send(reply, cached);
    const report = await renderer.render(params);
    // Kept only when nothing was appended while it was read: its statements may have seen that later commit.
    if ((await versionedPosition()) === position) cache.set(request, position, report);
    return send(reply, report);
  };

  app.get<{ Params: { dimension: string }; Querystring: Query }>("/v1/stats/:dimension", async (request, reply) => {
    try {
      refuseUnknown(request.query, "/v1/stats/{dimension}", PARAMS, unknownParam);
      const params = parseReportParams(reportInput(request.query, request.params.dimension, PARAMS));
      return await answer(params, request.headers["if-none-match"], reply);
    } catch (error) {
      if (error instanceof ReportParamError) return sendError(reply, 400, error.message, { param: error.param === "by" && !(error instanceof UnknownParam) ? "dimension" : error.param });
      throw error;
    }
  });

  app.get<{ Querystring: Query }>("/report", async (request, reply) => {
    try {
      refuseUnknown(request.query, "/report", REPORT_PAGE_PARAMS, unknownParam);
      const { by, format } = reportInput(request.query, undefined, ["by", "format"]);
      refuseOtherFormat(format, by);
      const params = parseReportParams({ ...reportInput(request.query, by, FILTERS), format: "html" });
      reply.header("content-security-policy", `${REPORT_CSP}; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`)
        .header("x-content-type-options", "nosniff").header("referrer-policy", "no-referrer");
      return await answer(params, request.headers["if-none-match"], reply);
    } catch (error) {
      if (error instanceof ReportParamError) return sendError(reply, 400, error.message, { param: error.param });
      throw error;
    }
  });
};
