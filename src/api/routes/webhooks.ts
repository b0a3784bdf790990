import type { FastifyPluginAsync, FastifyReply } from "fastify";
import { WebhookVerificationError } from "standardwebhooks";
import { NativeHmacWebhook } from "../signature.js";
import { webhookRecord } from "../../records/webhookBody.js";
import type { GroupCommit } from "../../store/groupCommit.js";
import { bodyOverLimit, declaresOver, sendError } from "../errors.js";

interface WebhookRoutesOptions {
  /** The Standard Webhooks secret (`whsec_…`); without one the route answers 503. */
  secret: string | undefined;
  maxBody: number;
  commit: GroupCommit;
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function rejectSignature(reply: FastifyReply, error: unknown) {
  const reason = error instanceof WebhookVerificationError ? error.message : "unreadable signature";
  return sendError(reply, 401, `webhook signature rejected: ${reason}`, { code: "invalid_signature" });
}

/** `POST /webhooks`: Standard Webhooks signed events, appended through the group commit. */
export const webhookRoutes: FastifyPluginAsync<WebhookRoutesOptions> = async (app, options) => {
  const verifier = options.secret !== undefined ? new NativeHmacWebhook(options.secret) : null;

  // The signature covers the exact bytes: read the body raw, whatever its Content-Type, up to the limit.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: options.maxBody }, (_request, body, done) => done(null, body));

  app.post<{ Body: Buffer | undefined }>("/webhooks", {
    bodyLimit: options.maxBody,
    onRequest: async (request, reply) => {
      if (!verifier) return sendError(reply, 503, "webhooks are not configured: set STEPSTORE_WEBHOOK_SECRET");
      // A body declared over the limit is 413 whatever its headers (CONTRACT §9: before it is read), as one that
      // passes the limit while it streams is.
      if (declaresOver(request, options.maxBody)) return sendError(reply, 413, bodyOverLimit("STEPSTORE_MAX_BODY", options.maxBody));
      // Before the body is read: an unsigned or stale request is not worth waiting for.
      try {
        const { headers } = request;
        verifier.checkHeaders(header(headers["webhook-id"]), header(headers["webhook-timestamp"]), header(headers["webhook-signature"]));
      } catch (error) {
        return rejectSignature(reply, error);
      }
      // Read as if no Content-Type were sent: fastify answers one it cannot parse (`json`, "") with its own 415 before
      // any parser runs, and the delivery was lost; the signature covers the bytes, not the header.
      request.headers = { "content-type": undefined };
    },
  }, async (request, reply) => {
    const body = request.body ?? Buffer.alloc(0);
    const { headers } = request;
    const webhookId = header(headers["webhook-id"]);
    try {
      // The bytes are signed, not their decoding (a body that is not UTF-8 is still verified, then rejected).
      verifier!.verifyBody(body, webhookId, header(headers["webhook-timestamp"]), header(headers["webhook-signature"]));
    } catch (error) {
      return rejectSignature(reply, error);
    }

    const origin = `POST /webhooks ${webhookId}`;
    const keyed = webhookRecord(body, origin, webhookId);
    if ("ok" in keyed) {
      await options.commit.submit({ accepted: [], rejected: [keyed] });
      return reply.code(422).send({ error: { message: keyed.reason, path: keyed.path } });
    }
    const result = await options.commit.submit({ accepted: [keyed], rejected: [] });
    const stored = result.results[0]!;
    if (stored.status === "conflict") return sendError(reply, 409, stored.rejection.reason, { code: "conflict" });
    return { status: stored.status, position: stored.position };
  });
};
