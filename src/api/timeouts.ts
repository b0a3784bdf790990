import { createServer, type Server } from "node:http";
import type { FastifyInstance, FastifyRequest } from "fastify";

const MIB = 1024 * 1024;
/** A request's headers must arrive within this (a slowloris sends them a byte at a time). */
export const HEADERS_TIMEOUT_MS = 10_000;
/** An open connection with no request in flight is closed after this (node's own default). */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** A socket silent both ways for this long is closed, whatever it was doing. */
export const IDLE_SOCKET_TIMEOUT_MS = 60_000;

/** A body must arrive within 2 s for each MiB its route accepts, and never less than 10 s: 0.5 MiB/s at worst. */
export const bodyTimeoutFor = (bodyLimit: number) => Math.max(10_000, Math.ceil((2_000 * bodyLimit) / MIB));

/** The HTTP server for fastify's `serverFactory`: the headers, keep-alive and idle limits, checked every second. */
export function serverWithTimeouts(handler: Parameters<typeof createServer>[1]): Server {
  const server = createServer({ headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: 0, keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, connectionsCheckingInterval: 1_000 }, handler);
  server.setTimeout(IDLE_SOCKET_TIMEOUT_MS);
  return server;
}

const REQUEST_TIMEOUT = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Type: application/json\r\n";

/**
 * Cuts off a request whose body has not arrived within `timeoutOf(request)` ms (node's own
 * requestTimeout is one figure for every route, and fastify turns it off): 408 when nothing was
 * answered yet, then the socket is closed, so stalled uploads cannot hold descriptors.
 */
export function limitBodyTime(app: FastifyInstance, timeoutOf: (request: FastifyRequest) => number): void {
  app.addHook("onRequest", (request, reply, done) => {
    const { raw } = request;
    const socket = raw.socket;
    const timer = setTimeout(() => {
      if (raw.complete || socket.destroyed) return;
      request.log.warn({ url: request.url }, "request body timed out");
      if (reply.raw.headersSent) return void socket.destroy();
      const body = JSON.stringify({ error: { message: "request body not received in time", type: "invalid_request_error", param: null, code: "request_timeout" } });
      socket.end(`${REQUEST_TIMEOUT}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`, () => socket.destroy());
    }, timeoutOf(request));
    timer.unref();
    // On the request, not the socket: a keep-alive socket carries many requests, and a listener a request would pile up on it.
    const clear = () => clearTimeout(timer);
    raw.once("end", clear);
    raw.once("close", clear);
    done();
  });
}
