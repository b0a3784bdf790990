import { createHmac, timingSafeEqual } from "node:crypto";
import { Webhook, WebhookVerificationError } from "standardwebhooks";

const SECRET_PREFIX = "whsec_";

/**
 * The `standardwebhooks` package's verifier (its header checks, 5-minute tolerance both ways, every
 * `v1` signature tried, constant-time comparison) with its HMAC-SHA256 computed by node:crypto: the
 * package's own pure-JavaScript HMAC cost about 25 µs a request, node:crypto's about 3.
 */
export class NativeHmacWebhook extends Webhook {
  readonly #key: Buffer;

  constructor(secret: string) {
    super(secret); // validates the secret: whsec_ and base64
    this.#key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, "base64");
  }

  /**
   * The package's `sign`, byte for byte: `v1,` + base64(HMAC(key, `${id}.${seconds}.${payload}`)); a
   * Buffer is signed as its bytes, as the spec says (the package decodes it first, so a body that is
   * not UTF-8 could never match the sender's signature).
   */
  override sign(msgId: string, timestamp: Date, payload: string | Buffer): string {
    const seconds = Math.floor(timestamp.getTime() / 1000);
    return `v1,${createHmac("sha256", this.#key).update(`${msgId}.${seconds}.`).update(payload).digest("base64")}`;
  }

  /**
   * The checks that need no body, run before it is read: the three headers present, the timestamp
   * within the package's tolerance (its own private check, so the window is the same as verify's).
   */
  checkHeaders(id: string | undefined, timestamp: string | undefined, signature: string | undefined): Date {
    if (!id || !timestamp || !signature) throw new WebhookVerificationError("Missing required headers");
    return (this as unknown as { verifyTimestamp(header: string): Date }).verifyTimestamp(timestamp);
  }

  /**
   * The package's `verify` with `jsonParse: false`, the same checks in the same order and the same errors (each `v1`
   * signature's base64 text compared in constant time with the expected one's), without what it does besides: decode
   * the body to a string twice and encode both texts anew for each signature (2 of its 4 µs a webhook).
   */
  verifyBody(body: Buffer, id: string | undefined, timestamp: string | undefined, signature: string | undefined): void {
    const signedAt = this.checkHeaders(id, timestamp, signature);
    const expected = Buffer.from(this.sign(id!, signedAt, body).slice("v1,".length));
    for (const versioned of signature!.split(" ")) {
      const [version, given] = versioned.split(",");
      if (version !== "v1" || given === undefined) continue;
      const bytes = Buffer.from(given);
      if (bytes.length === expected.length && timingSafeEqual(bytes, expected)) return;
    }
    throw new WebhookVerificationError("No matching signature found");
  }
}
