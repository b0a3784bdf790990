import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { Readable } from "node:stream";
import { MEDIA_TYPES, openDocument, type Format } from "../../ingest/document.js";
import { keyedRecordsOf } from "../../ingest/sources.js";
import { appendAll, type IngestSummary } from "../../store/appendAll.js";
import type { Store } from "../../store/store.js";
import { bodyOverLimit, declaresOver, FailedAfterCommits, sendError } from "../errors.js";
import { BodyTimedOut, timedBodyReads } from "../timeouts.js";

export interface IngestRoutesOptions {
  store: Store;
  maxIngestBody: number;
}

// A Map: a Content-Type named from input (`constructor`) must find nothing, not Object.prototype's. Each format's own
// type (MEDIA_TYPES, which a rejection names) first, then the other names JSON Lines goes by.
const FORMAT_BY_MEDIA_TYPE = new Map<string, Format>([
  ...(Object.entries(MEDIA_TYPES) as [Format, string][]).map(([format, type]): [string, Format] => [type, format]),
  ["application/ndjson", "jsonl"],
  ["application/jsonl", "jsonl"],
  ["application/x-jsonlines", "jsonl"],
]);

const mediaTypeOf = (request: FastifyRequest) => (request.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();

class BodyTooLarge extends Error {}

/** Content-Encodings the body may declare: gzip is read as it is in a file, known by its first bytes, so declaring it changes nothing. */
const ENCODINGS = new Set(["identity", "gzip", "x-gzip"]);

/**
 * Hands on a body's chunks, each read by `timed` (failing when the body timed out), until `limit` bytes have passed,
 * then fails; the request itself is left open for the answer.
 */
function limitBytes(body: Readable, limit: number, timed: ReturnType<typeof timedBodyReads>): Readable {
  return Readable.from((async function* () {
    const chunks = body.iterator({ destroyOnReturn: false }) as AsyncIterator<Buffer>;
    let received = 0;
    for (let next = await timed(chunks.next()); !next.done; next = await timed(chunks.next())) {
      received += next.value.length;
      if (received > limit) throw new BodyTooLarge();
      yield next.value;
    }
  })(), { objectMode: false });
}

/** `POST /v1/ingest`: a body read as a file would be (NDJSON, JSON or SSE by Content-Type), streamed into the log. */
export const ingestRoutes: FastifyPluginAsync<IngestRoutesOptions> = async (app, options) => {
  // The body is not parsed here: the route streams it through the same readers as `ingest`.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", (_request, payload, done) => done(null, payload));
  const tooLarge = bodyOverLimit("STEPSTORE_MAX_INGEST_BODY", options.maxIngestBody);

  app.post<{ Body: Readable | undefined }>("/v1/ingest", {
    // Before fastify's parsing, which answers a Content-Type it cannot parse (`json`, "") with a bare 415 of its own, and
    // before a client that sent `Expect: 100-continue` is invited to send the body.
    onRequest: async (request, reply) => {
      const mediaType = mediaTypeOf(request);
      if (!FORMAT_BY_MEDIA_TYPE.has(mediaType)) {
        return sendError(reply, 415, `Content-Type must be one of ${[...FORMAT_BY_MEDIA_TYPE.keys()].join(", ")}, got ${JSON.stringify(mediaType)}`, { param: "content-type" });
      }
      const encoding = request.headers["content-encoding"];
      if (encoding !== undefined && !ENCODINGS.has(encoding.trim().toLowerCase())) {
        return sendError(reply, 415, `Content-Encoding ${JSON.stringify(encoding)} is not supported: send the body as it is, or gzipped (with or without Content-Encoding: gzip)`);
      }
      if (declaresOver(request, options.maxIngestBody)) return sendError(reply, 413, tooLarge);
    },
  }, async (request, reply) => {
    const format = FORMAT_BY_MEDIA_TYPE.get(mediaTypeOf(request))!;
    const totals: IngestSummary = { records: 0, appended: 0, duplicates: 0, rejected: 0 };
    // Streamed: the batches read before a failure have committed (sending them again appends nothing); each answer says how many.
    try {
      const body = request.body ?? Readable.from([]);
      // As a file would be: gzip is known by its first bytes (the limit counts the bytes sent).
      const doc = await openDocument(limitBytes(body, options.maxIngestBody, timedBodyReads(request)), `POST /v1/ingest ${request.id}`, format, "Content-Type");
      return await appendAll(options.store.append, keyedRecordsOf(doc), {
        source: "http",
        onCommit: (_, sofar) => Object.assign(totals, sofar),
      });
    } catch (error) {
      if (error instanceof BodyTooLarge) return sendError(reply, 413, `${tooLarge}; ${totals.records} records before the limit were committed`);
      if (error instanceof BodyTimedOut) {
        reply.header("connection", "close");
        return sendError(reply, 408, `${error.message}; the ${totals.records} records before the wait were committed`, { code: "request_timeout" });
      }
      throw totals.records > 0 ? new FailedAfterCommits(error, totals.records) : error;
    }
  });
};
