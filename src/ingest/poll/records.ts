import { recordsOf, type RejectedRecord } from "../../records/classify.js";
import { invalidJson } from "../../records/invalidJson.js";
import { createEventKeyer, sha256Hex } from "../../records/eventKey.js";
import type { KeyedRecord } from "../../store/append.js";

export type PolledRecord = KeyedRecord | RejectedRecord;

/** A header or query parameter whose name says its value is a credential (`Authorization`, `api-key`, `x-api-key`, `sig`). */
export const CREDENTIAL_NAME = /auth|key|token|secret|sig|password/i;

/** Query parameters whose values are credentials: kept out of `events.origin` (`code`: an Azure Functions key). */
export const isSecretParam = (name: string) => CREDENTIAL_NAME.test(name) || /^code$/i.test(name);

/**
 * Any URL's `user:password@` in a text (an error's message), masked: where its authority holds an @, up to the URL's
 * last @ (a password with an @ and a / reads as a host and a path holding the rest of it); an @ only in a path or
 * query (`…/me@corp.com/v1`) is no credential.
 */
export const withoutUrlCredentials = (text: string): string => text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)(?=[^\s/?#]*@)\S*@/gi, "$1REDACTED@");

/** The origin of a polled record: the request URL, with any credential in it or its query masked. */
export function originOfUrl(requested: string): string {
  const url = withoutUrlCredentials(requested);
  if (!url.includes("?")) return url;
  const parsed = new URL(url);
  let masked = false;
  for (const name of [...parsed.searchParams.keys()]) {
    if (isSecretParam(name)) (parsed.searchParams.set(name, "REDACTED"), (masked = true));
  }
  return masked ? parsed.toString() : url;
}

/**
 * The records of one polled response (a list page, or one run): each keyed as CONTRACT §3 says,
 * so a snapshot that has not changed since the last poll gets the key it already has.
 */
export function recordsOfResponse(body: unknown, url: string, text = JSON.stringify(body)): PolledRecord[] {
  const origin = originOfUrl(url);
  const keyOf = createEventKeyer(sha256Hex(origin));
  const records: PolledRecord[] = [];
  // A list page's items are re-serialised one by one from its text (CONTRACT §4); a lone object is kept as the body's text.
  for (const record of recordsOf(body, text, origin)) records.push(keyOf.keyed(record));
  return records;
}

/** Each response's body as it was received, by the Response the SDK was handed (see `fetchKeepingBodies`). */
const receivedBodies = new WeakMap<Response, string>();

/** A response's body as received, when the client fetched through `fetchKeepingBodies`. */
export const receivedBody = (response: Response): string | undefined => receivedBodies.get(response);

/** Statuses whose responses have no body: a Response cannot be made with one. */
const NO_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * The SDK client's `fetch`: each response read whole and handed on as a copy whose text is kept, so a list page's
 * items are re-serialised from the bytes received (CONTRACT §4: every value kept, `12345678901234567891` too) rather
 * than from what the SDK parsed into doubles.
 */
export async function fetchKeepingBodies(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const response = await fetch(input, init);
  if (NO_BODY.has(response.status)) return response;
  const text = await response.text();
  const copy = new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers });
  // A made Response has no URL of its own: the origin of what it holds is the one asked for.
  Object.defineProperty(copy, "url", { value: response.url });
  receivedBodies.set(copy, text);
  return copy;
}

/** The records of a response read as text: kept as its bytes, or rejected with them when it is not JSON. */
export function recordsOfBodyText(text: string, url: string): PolledRecord[] {
  try {
    return recordsOfResponse(JSON.parse(text) as unknown, url, text);
  } catch (error) {
    return [invalidJson(error, text, originOfUrl(url))];
  }
}
