import { createHmac, timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { bearerToken } from "../bearer.js";
import { fieldValue, html } from "./html.js";

/** The session cookie: a value derived from the key (never the key itself), HttpOnly, SameSite=Strict, for /ui only. */
export const COOKIE = "stepstore_console";

const derive = (key: string, purpose: string) => createHmac("sha256", key).update(purpose).digest();

/** Constant-time equality of two texts (compared as HMACs of equal length, whatever their lengths). */
function sameText(given: string, expected: Buffer, key: string): boolean {
  return timingSafeEqual(derive(key, `compare:${given}`), expected);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return v.join("=");
  }
  return undefined;
}

/** What the console accepts as the key: the sign-in cookie, HTTP Basic (any user, the key as password) or a Bearer header. */
export function consoleAuth(apiKey: string) {
  const token = derive(apiKey, "stepstore console session").toString("hex");
  const expectedToken = derive(apiKey, `compare:${token}`);
  const expectedKey = derive(apiKey, `compare:${apiKey}`);
  return {
    /** The cookie a correct key earns. */
    cookie: `${COOKIE}=${token}; Path=/ui; HttpOnly; SameSite=Strict`,
    isKey: (given: string) => sameText(given, expectedKey, apiKey),
    allows(request: FastifyRequest): boolean {
      const cookie = cookieValue(request.headers.cookie, COOKIE);
      if (cookie !== undefined && sameText(cookie, expectedToken, apiKey)) return true;
      const authorization = request.headers.authorization ?? "";
      const basic = /^basic\s+(.+)$/i.exec(authorization);
      if (basic) {
        const decoded = Buffer.from(basic[1]!, "base64").toString("utf8");
        return sameText(decoded.slice(decoded.indexOf(":") + 1), expectedKey, apiKey);
      }
      const bearer = bearerToken(authorization);
      return bearer !== null && sameText(bearer, expectedKey, apiKey);
    },
  };
}

/** The longest page address a sign-in returns to: the form posts it back, within the form parser's body limit. */
const MAX_RETURN_PATH = 2048;

/**
 * Where a sign-in returns: the console page asked for, resolved as a browser would (`..` and `%2e` included), when it is
 * a `/ui/` page of this service, as ASCII (a header's value); else, or past MAX_RETURN_PATH, the overview.
 */
export function returnPath(next: unknown): string {
  if (typeof next !== "string" || next.length > MAX_RETURN_PATH || !next.startsWith("/")) return "/ui/";
  const base = "http://console.invalid";
  const url = new URL(next, base);
  return url.origin === base && url.pathname.startsWith("/ui/") ? `${url.pathname}${url.search}` : "/ui/";
}

/** The sign-in form: no data of the store, only where to type the key, and the page to return to (`next`). */
export function signInBody(failed: boolean, next: string) {
  return html`<div class="signin"><h1>Sign in</h1>
<p>This console requires the service's API key (<code>STEPSTORE_API_KEY</code>).</p>
${failed ? html`<p class="bad" role="alert">That key is not correct.</p>` : ""}
<form method="post" action="/ui/signin"><input type="hidden" name="next" ${fieldValue(returnPath(next))}><label for="key">API key</label>
<input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
<p><button type="submit">Sign in</button></p></form></div>`;
}
