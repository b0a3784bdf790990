import fc from "fast-check";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { NativeHmacWebhook } from "../../src/api/signature.js";
import { newSecret } from "./harness.js";

describe("webhook signatures with node:crypto's HMAC", () => {
  it("given any delivery id, timestamp and body, the service signs exactly as the standardwebhooks package does", () => {
    const secret = newSecret();
    const ours = new NativeHmacWebhook(secret);
    const theirs = new Webhook(secret);
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 0, max: 4_102_444_800 }), fc.string({ unit: "grapheme" }), (id, seconds, body) => {
        const at = new Date(seconds * 1000);
        expect(ours.sign(id, at, body)).toBe(theirs.sign(id, at, body));
        expect(ours.sign(id, at, Buffer.from(body))).toBe(theirs.sign(id, at, body));
      }),
      { numRuns: 300 },
    );
  });

  it("when a body signed by the package's own signer is verified, it passes; when a byte of it changes, it is refused", () => {
    const secret = newSecret();
    const body = '{"id":"evt_1","object":"event","type":"thread.run.step.created","data":{}}';
    const now = new Date();
    const headers = { "webhook-id": "msg_1", "webhook-timestamp": String(Math.floor(now.getTime() / 1000)), "webhook-signature": new Webhook(secret).sign("msg_1", now, body) };
    const verifier = new NativeHmacWebhook(secret);
    expect(() => verifier.verify(body, headers, { jsonParse: false })).not.toThrow();
    expect(() => verifier.verify(body.replace("evt_1", "evt_2"), headers, { jsonParse: false })).toThrow(WebhookVerificationError);
    expect(() => new NativeHmacWebhook(newSecret()).verify(body, headers, { jsonParse: false })).toThrow("No matching signature found");
  });

  it("given any signature header and body, verifyBody accepts and refuses exactly as the package's verify, with its messages", () => {
    const secret = newSecret();
    const ours = new NativeHmacWebhook(secret);
    const theirs = new Webhook(secret);
    const outcome = (check: () => unknown) => {
      try {
        check();
        return "accepted";
      } catch (error) {
        return (error as Error).message;
      }
    };
    const now = new Date();
    const seconds = String(Math.floor(now.getTime() / 1000));
    const signatures = (body: string) => {
      const valid = theirs.sign("msg_1", now, body);
      return fc.oneof(
        fc.constant(valid), fc.constant(`v2,${valid.slice(3)} ${valid}`), fc.constant(`${valid},extra`), fc.constant(valid.slice(0, -2)),
        fc.constant("v1"), fc.constant(""), fc.string(), fc.string({ unit: "grapheme" }).map((s) => `v1,${s}`),
      );
    };
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }).chain((body) => fc.tuple(fc.constant(body), signatures(body), fc.constantFrom(seconds, "", "x", "1"))), ([body, signature, timestamp]) => {
        const headers = { "webhook-id": "msg_1", "webhook-timestamp": timestamp, "webhook-signature": signature };
        expect(outcome(() => ours.verifyBody(Buffer.from(body), "msg_1", timestamp, signature))).toBe(outcome(() => theirs.verify(body, headers, { jsonParse: false })));
      }),
      { numRuns: 500 },
    );
  });

  it("when the secret is not whsec_ and base64, it is refused as the package refuses it", () => {
    expect(() => new NativeHmacWebhook("whsec_not base64!")).toThrow();
    expect(() => new Webhook("whsec_not base64!")).toThrow();
  });
});
