import { OpenAIError, type OpenAI } from "openai";
import { originOfUrl, recordsOfResponse, type PolledRecord } from "./records.js";
import type { RunRef } from "./types.js";

/** What `include[]` asks for with `--include-content` (file_search results' text). */
const FILE_SEARCH_CONTENT = "step_details.tool_calls[*].file_search.results[*].content" as const;

export interface PagerOptions {
  /** `limit` of each list request (1–100, default 100). */
  pageSize?: number;
  includeContent?: boolean;
}

/** One page of a listing: its records as served, and its items as the SDK read them. */
export interface PolledPage<Item> {
  records: PolledRecord[];
  items: Item[];
}

interface Paged<P> {
  data: unknown[];
  hasNextPage(): boolean;
  getNextPage(): Promise<P>;
}

/** The SDK keeps a page's response and body to itself; the request URL and the page as served are our origin and record. */
function served(page: unknown): { url: string; body: unknown } {
  const { response, body } = page as { response: Response; body: unknown };
  return { url: response.url, body };
}

/**
 * A listing's pages, each next one already requested while the caller commits the current one.
 * The SDK pages on from the last item's `id`: a page that says `has_more` but ends with an item
 * without one cannot be followed, and is a failure of the listing rather than its silent end.
 */
async function* pagesAhead<P extends Paged<P>>(first: P): AsyncGenerator<PolledPage<P["data"][number]>> {
  let page = first;
  for (;;) {
    const next = page.hasNextPage() ? page.getNextPage() : null;
    next?.catch(() => undefined); // settled by the caller's next turn, or abandoned with the listing
    const { url, body } = served(page);
    yield { records: recordsOfResponse(body, url), items: page.data };
    if (!next) {
      if ((body as { has_more?: unknown }).has_more === true) {
        throw new OpenAIError(`${originOfUrl(url)} says has_more but gives no id to page on after (its last item has none): the listing stops there`);
      }
      return;
    }
    page = await next;
  }
}

/** The SDK's listings and retrievals a poll makes, each page turned into records. */
export function createPager(client: OpenAI, options: PagerOptions = {}) {
  const limit = options.pageSize ?? 100;
  const include = options.includeContent ? [FILE_SEARCH_CONTENT] : undefined;
  return {
    async *runsOf(threadId: string, signal: AbortSignal) {
      yield* pagesAhead(await client.beta.threads.runs.list(threadId, { limit }, { signal }));
    },
    async *stepsOf(ref: RunRef, signal: AbortSignal) {
      yield* pagesAhead(await client.beta.threads.runs.steps.list(ref.runId, { thread_id: ref.threadId, limit, order: "asc", include }, { signal }));
    },
    /** The run's own response: its body is kept as its bytes. */
    runResponse: (ref: RunRef, signal: AbortSignal): Promise<Response> =>
      client.beta.threads.runs.retrieve(ref.runId, { thread_id: ref.threadId }, { signal }).asResponse(),
  };
}

export type Pager = ReturnType<typeof createPager>;
