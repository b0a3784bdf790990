import { APIUserAbortError, NotFoundError, OpenAIError, type OpenAI } from "openai";
import { isJsonObject } from "../../records/json.js";
import { describe } from "../../records/reason.js";
import { settledOrAborted } from "../abortable.js";
import { originOfUrl, receivedBody, recordsOfResponse, type PolledRecord } from "./records.js";
import type { RunRef } from "./types.js";

/** What `include[]` asks for with `--include-content` (file_search results' text). */
const FILE_SEARCH_CONTENT = "step_details.tool_calls[*].file_search.results[*].content" as const;

export interface PagerOptions {
  /** `limit` of each list request (1–100, default 100). */
  pageSize?: number;
  includeContent?: boolean;
}

/** One page of a listing: its records as served, and its items as served. */
interface PolledPage {
  records: PolledRecord[];
  items: unknown[];
}

interface Paged<P> {
  hasNextPage(): boolean;
  getNextPage(): Promise<P>;
}

/** A listing's own failure, named by the page's URL: its run (or thread) fails, the others go on. */
const pageFailure = (url: string, what: string) => new OpenAIError(`${originOfUrl(url)} ${what}`);

/**
 * `request`, or the SDK's own abort error as soon as `signal` aborts. The SDK looks at its signal only between
 * attempts, after waiting out a Retry-After as long as the server asks (a stop signal waited 28 s for one of 30): the
 * request is left to fail by itself, which it does when that wait ends.
 */
const orAborted = <T>(request: Promise<T>, signal: AbortSignal): Promise<T> =>
  settledOrAborted(request, signal, () => {
    throw new APIUserAbortError();
  });

/**
 * The SDK fails on a body it cannot read (`Unexpected end of JSON input`) with an error of no type of
 * its own and no URL: that is the page's failure, not the poll's, so it is named by the URL asked for.
 */
async function read<P>(request: Promise<P>, url: () => string, signal: AbortSignal, later = false): Promise<P> {
  try {
    return await orAborted(request, signal);
  } catch (error) {
    // A 404 after pages were served is no missing run or thread: the listing was cut short, a failure like any other.
    if (later && error instanceof NotFoundError) throw pageFailure(url(), `answered ${error.message} after earlier pages: the listing is cut short there`);
    if (error instanceof OpenAIError || signal.aborted) throw error;
    throw pageFailure(url(), `answered a body that could not be read (${(error as Error).message ?? String(error)})`);
  }
}

/**
 * The SDK keeps a page's response and body to itself; the request URL and the page as served are our
 * origin and record. Anything but a JSON object whose `data` is an array is not a list page (an HTML
 * error page, `"data": "oops"`): its items cannot be had, so the listing fails rather than guess.
 */
function served(page: unknown): { url: string; body: { data: unknown[]; has_more?: unknown }; text: string | undefined } {
  const { response, body } = page as { response: Response; body: unknown };
  if (isJsonObject(body) && Array.isArray(body.data)) return { url: response.url, body: body as { data: unknown[] }, text: receivedBody(response) };
  throw pageFailure(response.url, isJsonObject(body)
    ? `is not a list page: its data is ${describe(body.data)}, not an array`
    : `answered ${response.headers.get("content-type") ?? "no content type"}, not a JSON list page`);
}

const lastIdOf = (items: unknown[]): unknown => (items.at(-1) as { id?: unknown } | null | undefined)?.id;

/** The URL the SDK asks for the page after this one: the same query, `after` its last id. */
function urlAfter(url: string, lastId: unknown): string {
  const next = new URL(url);
  next.searchParams.set("after", String(lastId));
  return next.toString();
}

/**
 * A listing's pages, each next one already requested while the caller commits the current one.
 * As the SDK's own auto-pagination, an empty page ends the listing. The SDK pages on from the last
 * item's `id`: a page that says `has_more` but ends with an item without one cannot be followed, and
 * a page that ends with an id an earlier page ended with would be asked for again forever (a server
 * that ignores `after`, or cycles through pages); either is a failure of the listing rather than its
 * silent end or a hang. (One id a page is kept: a listing of a million steps keeps ten thousand.)
 */
async function* pagesAhead<P extends Paged<P>>(first: P, signal: AbortSignal): AsyncGenerator<PolledPage> {
  let page = first;
  const lastIds = new Set<unknown>();
  for (;;) {
    const { url, body, text } = served(page);
    const lastId = lastIdOf(body.data);
    if (lastId !== undefined && lastIds.has(lastId)) {
      throw pageFailure(url, `ends with ${describe(lastId)} again, as an earlier page did: the server did not page on after it, and the listing stops there`);
    }
    const next = page.hasNextPage() ? read(page.getNextPage(), () => urlAfter(url, lastId), signal, true) : null;
    next?.catch(() => undefined); // settled by the caller's next turn, or abandoned with the listing
    yield { records: recordsOfResponse(body, url, text), items: body.data };
    if (!next) {
      if (body.has_more === true && body.data.length > 0) {
        throw pageFailure(url, "says has_more but gives no id to page on after (its last item has none): the listing stops there");
      }
      return;
    }
    lastIds.add(lastId);
    page = await next;
  }
}

/** The SDK's listings and retrievals a poll makes, each page turned into records. */
export function createPager(client: OpenAI, options: PagerOptions = {}) {
  const limit = options.pageSize ?? 100;
  const include = options.includeContent ? [FILE_SEARCH_CONTENT] : undefined;
  const runsPath = (threadId: string) => `/threads/${encodeURIComponent(threadId)}/runs`;
  return {
    async *runsOf(threadId: string, signal: AbortSignal) {
      const first = client.beta.threads.runs.list(threadId, { limit }, { signal });
      yield* pagesAhead(await read(first, () => client.buildURL(runsPath(threadId), { limit }), signal), signal);
    },
    async *stepsOf(ref: RunRef, signal: AbortSignal) {
      const query = { limit, order: "asc" as const, include };
      const first = client.beta.threads.runs.steps.list(ref.runId, { thread_id: ref.threadId, ...query }, { signal });
      const url = () => client.buildURL(`${runsPath(ref.threadId)}/${encodeURIComponent(ref.runId)}/steps`, query);
      yield* pagesAhead(await read(first, url, signal), signal);
    },
    /** The run's own response: its body is kept as its bytes. */
    runResponse: (ref: RunRef, signal: AbortSignal): Promise<Response> =>
      orAborted(client.beta.threads.runs.retrieve(ref.runId, { thread_id: ref.threadId }, { signal }).asResponse(), signal),
  };
}

export type Pager = ReturnType<typeof createPager>;
