import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import { loadPriceTable, pricesPath, type PriceTable } from "../analytics/prices.js";
import { openStore } from "../openStore.js";
import { MAX_COLUMN_BYTES } from "../records/schemas.js";
import type { Store } from "../store/store.js";
import { createGroupCommit } from "../store/groupCommit.js";
import { SERVICE_CACHE_KIB } from "../store/open.js";
import { isStoreFull, storeUnavailable } from "../store/storeErrors.js";
import { consoleAuth } from "./console/auth.js";
import { consoleRoutes, isConsoleUrl, sendConsoleError } from "./console/routes.js";
import { bearerToken } from "./bearer.js";
import { bodyOverLimit, declaresOver, FailedAfterCommits, sendError, sendUnknownRoute } from "./errors.js";
import { checkRequestParameters } from "./requestParams.js";
import { healthRoutes } from "./routes/health.js";
import { ingestRoutes } from "./routes/ingest.js";
import { stepRoutes } from "./routes/steps.js";
import { statsRoutes } from "./routes/stats.js";
import { webhookRoutes } from "./routes/webhooks.js";
import { answerClientError, bodyTimeoutFor, limitBodyTime, serverWithTimeouts } from "./timeouts.js";

declare module "fastify" {
  interface FastifyInstance {
    /** The open store every route reads and appends through (set once the server is ready). */
    stepstore: Store;
  }
}

export const DEFAULT_MAX_BODY = 1024 * 1024;
export const DEFAULT_MAX_INGEST_BODY = 256 * 1024 * 1024;

export interface ServerOptions {
  /** A SQLite file or a PostgreSQL URL (see openStore). */
  dbPath: string;
  /** When set, every `/v1/` route and `/report` require `Authorization: Bearer <apiKey>`, and the console's pages the key (consoleRoutes). */
  apiKey?: string;
  /** Standard Webhooks secret (`whsec_…`); without it `POST /webhooks` answers 503. */
  webhookSecret?: string;
  maxBody: number;
  maxIngestBody: number;
  /** How long a request body may take, in ms (STEPSTORE_BODY_TIMEOUT); by default by the route's limit (see bodyTimeoutFor). */
  bodyTimeoutMs?: number;
  /** A pino logger (see ./logger.ts); none by default. */
  logger?: FastifyBaseLogger;
  /** The price table for `cost_usd` (STEPSTORE_PRICES, read at start); by default the one pricesPath names. */
  prices?: PriceTable;
}

/** One log line a request, once it is answered, instead of fastify's two; never a header or a body. */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}
  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = { method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 };
    if (error) reply.log.error({ ...line, err: error }, "request failed");
    else reply.log.info(line, "request");
  }
}

const digest = (text: string) => createHash("sha256").update(text).digest();

/** A bearer check in constant time (digests of equal length, whatever the header holds). */
function bearerCheck(apiKey: string) {
  const expected = digest(apiKey);
  return (request: FastifyRequest) => {
    const token = bearerToken(request.headers.authorization);
    return token !== null && timingSafeEqual(digest(token), expected);
  };
}

const isV1 = (url: string) => url === "/v1" || url.startsWith("/v1/") || url.startsWith("/v1?");
const isReport = (url: string) => url === "/report" || url.startsWith("/report?");

/** An error answered in the shape of its path: a console page under /ui/, OpenAI's JSON elsewhere. */
function sendErrorFor(request: FastifyRequest, reply: FastifyReply, status: number, message: string) {
  return isConsoleUrl(request.url) ? sendConsoleError(request.url, reply, status, message) : sendError(reply, status, message);
}

/** A 503 a client retries (Retry-After), where a 500 reads as a bug. */
function unavailable(request: FastifyRequest, reply: FastifyReply, message: string, retryAfterSeconds: number) {
  reply.header("retry-after", String(retryAfterSeconds));
  return sendErrorFor(request, reply, 503, message);
}

/**
 * Every route the API key guards answers 401 without it: the API (`Authorization: Bearer <key>`), and the report that
 * shows the same figures, which a browser opens: there the console's ways are taken too (HTTP Basic, any user and the
 * key as password, which the 401 asks a browser for; the console's sign-in cookie where the browser sends it).
 */
function requireApiKey(app: FastifyInstance, apiKey: string): void {
  const bearer = bearerCheck(apiKey);
  const browser = consoleAuth(apiKey);
  app.addHook("onRequest", async (request, reply) => {
    // Judged by the route matched (the router decodes `/%761/…` to `/v1/…`) as well as by the URL sent.
    const [route, url] = [request.routeOptions.url ?? "", request.url];
    const report = isReport(route) || isReport(url);
    if (report ? browser.allows(request) : !(isV1(route) || isV1(url)) || bearer(request)) return;
    reply.header("www-authenticate", report ? ['Basic realm="stepstore", charset="UTF-8"', 'Bearer realm="stepstore"'] : 'Bearer realm="stepstore"');
    const message = request.headers.authorization === undefined
      ? "Missing bearer authentication: send 'Authorization: Bearer <STEPSTORE_API_KEY>'."
      : "Incorrect API key provided.";
    return sendError(reply, 401, message, { code: "invalid_api_key" });
  });
}

/** How long a body may take, and when a client that asked (`Expect: 100-continue`) is invited to send it. */
function limitBodies(app: FastifyInstance, options: ServerOptions): void {
  const bodyLimitOf = (request: FastifyRequest) => (request.routeOptions.url === "/v1/ingest" ? options.maxIngestBody : options.maxBody);
  // By the bytes the request says it sends, when it says (a slow client that declares 100 kB gets the floor, not 512 s).
  limitBodyTime(app, (request) => {
    const limit = bodyLimitOf(request);
    const declared = Number(request.headers["content-length"]);
    return options.bodyTimeoutMs ?? bodyTimeoutFor(Number.isFinite(declared) && declared >= 0 ? Math.min(declared, limit) : limit);
  });
  // `Expect: 100-continue` (curl sends it for bodies over 1 MB): the body is invited once every check before it has
  // passed (the key, the media type), unless its declared length is already over the limit (413 follows unread).
  app.addHook("preParsing", (request, reply, payload, done) => {
    if (request.headers.expect?.toLowerCase() === "100-continue" && !declaresOver(request, bodyLimitOf(request))) reply.raw.writeContinue();
    done(null, payload);
  });
}

/** After SIGTERM: in-flight requests finish; a new one (a kept-alive connection's next) is told to go elsewhere. */
function refuseWhileClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook("preClose", (done) => {
    closing = true;
    done();
  });
  app.addHook("onRequest", async (request, reply) => {
    if (closing) return unavailable(request, reply, "the service is shutting down: nothing was stored; retry", 1);
  });
  // A request in flight when the close began is answered, and its client told not to send another on that connection.
  app.addHook("onSend", async (_request, reply) => {
    if (closing) reply.header("connection", "close");
  });
}

/** Errors in the path's shape: a store that is busy or full is a 503 to retry, any other 5xx logged with the store named. */
function handleErrors(app: FastifyInstance): void {
  app.setErrorHandler<FastifyError>((thrown, request, reply) => {
    const committed = thrown instanceof FailedAfterCommits ? thrown.committed : 0;
    const error = (thrown instanceof FailedAfterCommits ? thrown.failure : thrown) as FastifyError;
    // Logged with the store named (CONTRACT §8): SQLite's own words name no file.
    const store = app.stepstore?.path;
    const retryLater = storeUnavailable(error, committed);
    if (retryLater) {
      if (isStoreFull(error)) request.log.error({ err: error, store }, `${store}: the disk is full`);
      else request.log.warn({ err: error, store }, "store busy");
      return unavailable(request, reply, retryLater.message, retryLater.retryAfterSeconds);
    }
    const status = typeof error.statusCode === "number" && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error, store }, "request failed");
    const message = status >= 500
      ? `The server had an error while processing the request.${committed ? ` The ${committed} records before it were committed (sending them again appends nothing).` : ""}`
      : error.code === "FST_ERR_CTP_BODY_TOO_LARGE" ? bodyOverLimit("STEPSTORE_MAX_BODY", request.routeOptions.bodyLimit) : error.message;
    return sendErrorFor(request, reply, status, message);
  });
}

/**
 * The HTTP service of CONTRACT §9 on one store, opened when the server gets ready (`listen`/`ready`; a store
 * that cannot be opened fails them, named); closing it drains the pending commits and closes the database.
 */
export function buildServer(options: ServerOptions): FastifyInstance {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    genReqId: () => randomUUID(),
    serverFactory: serverWithTimeouts,
    bodyLimit: options.maxBody,
    // Every id ingest stores must reach its routes (fastify's default is 100): its bytes, each percent-encoded in a URL.
    routerOptions: { maxParamLength: 3 * MAX_COLUMN_BYTES },
    logController: new OneLinePerRequest(),
    // A URL the router cannot decode is answered in the same error shape as every other error on its path.
    frameworkErrors: (error, request, reply) => sendErrorFor(request, reply, 400, error.message),
    clientErrorHandler: answerClientError,
    // Answered below in OpenAI's error shape, with Retry-After, instead of fastify's own body.
    return503OnClosing: false,
  }) as unknown as FastifyInstance;
  app.decorate("stepstore", null as unknown as Store);
  // Each answer names its request, as OpenAI's do: a `POST /v1/ingest` client finds its rejections by it (their origin).
  app.addHook("onRequest", (request, reply, done) => {
    reply.header("x-request-id", request.id);
    done();
  });
  if (options.apiKey !== undefined) requireApiKey(app, options.apiKey);
  limitBodies(app, options);
  refuseWhileClosing(app);
  handleErrors(app);
  checkRequestParameters(app, isConsoleUrl);
  app.setNotFoundHandler(sendUnknownRoute);

  app.register(async (routes) => {
    const prices = options.prices ?? (await loadPriceTable(pricesPath(undefined)));
    const store = await openStore(options.dbPath, { mode: "write", cacheKiB: SERVICE_CACHE_KIB, notify: (message) => app.log.warn(message) });
    const webhookCommit = createGroupCommit(store.append, { source: "webhook" });
    app.stepstore = store;
    routes.addHook("onClose", async () => {
      await webhookCommit.flush();
      await store.close(); // PostgreSQL: the pool ends here, so SIGTERM's close leaves no connection behind
    });
    routes.register(healthRoutes, { store });
    routes.register(webhookRoutes, { secret: options.webhookSecret, maxBody: options.maxBody, commit: webhookCommit });
    routes.register(ingestRoutes, { store, maxIngestBody: options.maxIngestBody });
    routes.register(stepRoutes, { store });
    routes.register(statsRoutes, { store, prices });
    routes.register(consoleRoutes, { store, prices, apiKey: options.apiKey });
  });
  return app;
}
