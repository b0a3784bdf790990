import type { FastifyReply, FastifyRequest } from "fastify";

/** OpenAI's error shape: what the SDK parses into `APIError`s (`NotFoundError`, `AuthenticationError`, …). */
interface ApiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export function errorBody(status: number, message: string, details: { param?: string | null; code?: string | null } = {}): ApiErrorBody {
  return {
    error: {
      message,
      type: status >= 500 ? "server_error" : "invalid_request_error",
      param: details.param ?? null,
      code: details.code ?? (status === 413 ? "request_too_large" : null),
    },
  };
}

export function sendError(reply: FastifyReply, status: number, message: string, details?: { param?: string | null; code?: string | null }) {
  return reply.code(status).send(errorBody(status, message, details));
}

/** A body's limit, by the variable that sets it: what a 413 says. */
export const bodyOverLimit = (variable: "STEPSTORE_MAX_BODY" | "STEPSTORE_MAX_INGEST_BODY", bytes: number) => `body over ${variable} (${bytes} bytes)`;

/** Whether a request declares a body over `limit` bytes (413 before any of it is read). */
export const declaresOver = (request: FastifyRequest, limit: number) => Number(request.headers["content-length"]) > limit;

/** What a URL no route serves is answered (also a route's URL whose id segment is empty). */
export const sendUnknownRoute = (request: FastifyRequest, reply: FastifyReply) =>
  sendError(reply, 404, `Unknown route: ${request.method} ${request.url.split("?")[0]}`);

/**
 * A request's failure after some of its records had committed (a bulk body commits a batch at a time): the answer says
 * how many, where it would otherwise say nothing was stored.
 */
export class FailedAfterCommits extends Error {
  constructor(
    readonly failure: unknown,
    readonly committed: number,
  ) {
    super((failure as Error)?.message ?? String(failure), { cause: failure });
  }
}
