import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { settledOrAborted } from "../ingest/abortable.js";
import { errorBody } from "./errors.js";

const MIB = 1024 * 1024;
/** A request's headers must arrive within this (a slowloris sends them a byte at a time). */
export const HEADERS_TIMEOUT_MS = 10_000;
/** An open connection with no request in flight is closed after this (node's own default). */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** A socket silent both ways for this long is closed, whatever it was doing. */
export const IDLE_SOCKET_TIMEOUT_MS = 60_000;

/** A body must arrive within 2 s for each MiB its route accepts, and never less than 10 s: 0.5 MiB/s at worst. */
export const bodyTimeoutFor = (bodyLimit: number) => Math.max(10_000, Math.ceil((2_000 * bodyLimit) / MIB));

/** An answer node's server would otherwise give bare (no body), in the same error shape as every other. */
function answerBare(response: ServerResponse, status: number, message: string): void {
  const body = JSON.stringify(errorBody(status, message));
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body), connection: "close" }).end(body);
}

/**
 * The HTTP server for fastify's `serverFactory`: the headers, keep-alive and idle limits, checked every second. An
 * `Expect: 100-continue` request goes to the routes unanswered (node would invite the body at once, before the key or
 * the declared length is checked: the server's preParsing hook does once they are); another `Expect`, and an HTTP/1.1
 * request without `Host`, are refused in the error shape, not with node's empty bodies.
 */
export function serverWithTimeouts(handler: (request: IncomingMessage, response: ServerResponse) => void): Server {
  const withHost = (request: IncomingMessage, response: ServerResponse) => {
    const hostRequired = request.httpVersionMajor === 1 && request.httpVersionMinor >= 1;
    if (hostRequired && request.headers.host === undefined) return answerBare(response, 400, "an HTTP/1.1 request must send a Host header");
    handler(request, response);
  };
  const server = createServer({
    headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: 0, keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, connectionsCheckingInterval: 1_000, requireHostHeader: false,
  }, withHost);
  server.on("checkContinue", withHost);
  server.on("checkExpectation", (request: IncomingMessage, response: ServerResponse) =>
    answerBare(response, 417, `Expect ${JSON.stringify(request.headers.expect)} is not supported: only 100-continue`));
  server.setTimeout(IDLE_SOCKET_TIMEOUT_MS);
  return server;
}

/** An answer written on the socket itself, in OpenAI's error shape, then the socket closed. */
function answerOnSocket(socket: Socket, status: number, message: string, code: string | null): void {
  const body = JSON.stringify(errorBody(status, message, { code }));
  const head = `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`;
  socket.end(`${head}\r\n${body}`, () => socket.destroy());
}

/**
 * fastify's `clientErrorHandler`: what node's HTTP parser refuses before any route sees it (headers over 16 KiB, a
 * malformed request line or header) answered in the same error shape as every other error, not fastify's own.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  if (!socket.writable) return void socket.destroy(error);
  if (error.code === "HPE_HEADER_OVERFLOW") return answerOnSocket(socket, 431, "request headers too large (16 KiB at most)", "headers_too_large");
  if (error.code === "ERR_HTTP_REQUEST_TIMEOUT") return answerOnSocket(socket, 408, "request not received in time", "request_timeout");
  answerOnSocket(socket, 400, `malformed HTTP request (${error.code ?? error.message})`, null);
}

/** A streamed body that kept the server waiting past its timeout (`timedBodyReads`). */
export class BodyTimedOut extends Error {
  constructor() {
    super("request body not received in time");
  }
}

/** Each request's body timer and timeout, for a route that streams its body to take over (`timedBodyReads`). */
const bodyTimers = new WeakMap<IncomingMessage, { timer: NodeJS.Timeout; timeoutMs: number }>();

/**
 * Cuts off a request whose body has not arrived within `timeoutOf(request)` ms (node's own
 * requestTimeout is one figure for every route, and fastify turns it off): 408 when nothing was
 * answered yet, then the socket is closed, so stalled uploads cannot hold descriptors.
 */
export function limitBodyTime(app: FastifyInstance, timeoutOf: (request: FastifyRequest) => number): void {
  app.addHook("onRequest", (request, reply, done) => {
    const { raw } = request;
    const socket = raw.socket;
    const timeoutMs = timeoutOf(request);
    const timer = setTimeout(() => {
      if (raw.complete || socket.destroyed) return;
      request.log.warn({ url: request.url }, "request body timed out");
      if (reply.raw.headersSent) return void socket.destroy();
      answerOnSocket(socket, 408, "request body not received in time", "request_timeout");
    }, timeoutMs);
    timer.unref();
    bodyTimers.set(raw, { timer, timeoutMs });
    // On the request, not the socket: a keep-alive socket carries many requests, and a listener a request would pile up on it.
    const clear = () => clearTimeout(timer);
    raw.once("end", clear);
    raw.once("close", clear);
    done();
  });
}

/**
 * For a route that streams its body and answers its own 408 (saying what it committed before): each read of the body
 * through the function this returns fails with `BodyTimedOut` once the server has waited for the body longer than its
 * timeout in all. Only the time the event loop had nothing else to do counts: a body read at the pace of its commits
 * (a gzip of 50× its size, a store locked by a rebuild) was sent whole long before, and its client, told "not received
 * in time" by a timer of the whole request, was blamed for the server's work.
 */
export function timedBodyReads(request: FastifyRequest): <T>(read: Promise<T>) => Promise<T> {
  const { timer, timeoutMs } = bodyTimers.get(request.raw)!;
  clearTimeout(timer);
  let waitedMs = 0;
  return async <T>(read: Promise<T>) => {
    const outcome = read.then((value) => ({ value }));
    for (;;) {
      const since = performance.eventLoopUtilization();
      const settled = await settledOrAborted(outcome, AbortSignal.timeout(Math.max(1, Math.ceil(timeoutMs - waitedMs))), () => null);
      waitedMs += performance.eventLoopUtilization(since).idle;
      if (settled) return settled.value;
      if (waitedMs >= timeoutMs) throw new BodyTimedOut();
    }
  };
}
