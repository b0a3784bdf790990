import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export type Json = Record<string, unknown>;

/** One run as a server shows it over time: each time its own snapshot is served, the next state becomes current. */
export interface FakeRun {
  states: Array<{ run: Json; steps: Json[] }>;
}

export interface FakeAssistantsOptions {
  runs: readonly FakeRun[];
  /** Threads the server knows beyond those of its runs (answering an empty list). */
  emptyThreads?: readonly string[];
  /** Every n-th request answers 429 with `Retry-After: <rateLimitRetryAfter>` (0: never). */
  rateLimitEvery?: number;
  /** Seconds the 429s ask the client to wait (default "0"). */
  rateLimitRetryAfter?: string;
  /** Every n-th request answers 500 with `retry-after-ms: 1` (0: never). */
  serverErrorEvery?: number;
  /** Runs whose steps endpoint answers 500 to every request. */
  brokenRuns?: readonly string[];
  /** The most items a page holds, whatever `limit` asks (servers may give fewer). */
  maxPageSize?: number;
  /** Milliseconds each answer waits before it is sent (a remote server's latency). */
  delayMs?: number;
  /** Where the API lives (default `/v1`; Azure-style servers use e.g. `/openai`). */
  prefix?: string;
  /** The bearer key expected; `null` to expect none. Default `sk-test`. */
  apiKey?: string | null;
  /** Headers and query parameters every request must carry (an Azure-style `api-key`, `api-version`). */
  requireHeaders?: Record<string, string>;
  requireQuery?: Record<string, string>;
  /** Indents every JSON answer (a server that pretty-prints): what a byte-exact copy must keep. */
  indent?: number;
  /**
   * An answer of the test's own for a request (its path under the prefix, its query), sent as given
   * instead of the server's: a cut-off body, an HTML page, a page no real server would send.
   */
  answer?: (path: string, query: URLSearchParams) => RawAnswer | undefined;
}

export interface RawAnswer {
  /** Default 200. */
  status?: number;
  /** Default `application/json`. */
  contentType?: string;
  body: string;
}

export interface ServedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  status: number;
  /** When it arrived (performance.now()). */
  at: number;
}

const CONTENT_INCLUDE = "step_details.tool_calls[*].file_search.results[*].content";

function byCreated(a: Json, b: Json): number {
  return (a.created_at as number) - (b.created_at as number) || Buffer.compare(Buffer.from(a.id as string), Buffer.from(b.id as string));
}

function stripContent(step: Json): Json {
  const details = step.step_details as { type: string; tool_calls?: Json[] };
  if (details.type !== "tool_calls" || !details.tool_calls?.some((c) => c.type === "file_search")) return step;
  const toolCalls = details.tool_calls.map((call) => {
    if (call.type !== "file_search") return call;
    const fs = call.file_search as { results?: Json[] };
    if (!fs.results) return call;
    return { ...call, file_search: { ...fs, results: fs.results.map(({ content: _content, ...rest }) => rest) } };
  });
  return { ...step, step_details: { ...details, tool_calls: toolCalls } };
}

/** OpenAI cursor paging: `limit` 1–100 (default 20), `order` asc|desc (default desc), `after`/`before` object ids. */
function page(items: readonly Json[], query: URLSearchParams, maxPageSize: number): Json | string {
  const limit = query.has("limit") ? Number(query.get("limit")) : 20;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) return "limit must be an integer between 1 and 100";
  const order = query.get("order") ?? "desc";
  if (order !== "asc" && order !== "desc") return "order must be asc or desc";
  let sorted = [...items].sort(byCreated);
  if (order === "desc") sorted.reverse();
  const after = query.get("after");
  const before = query.get("before");
  if (after !== null) {
    const at = sorted.findIndex((i) => i.id === after);
    if (at < 0) return `no object ${after}`;
    sorted = sorted.slice(at + 1);
  }
  if (before !== null) {
    const at = sorted.findIndex((i) => i.id === before);
    if (at < 0) return `no object ${before}`;
    sorted = sorted.slice(0, at);
    const size = Math.min(limit, maxPageSize);
    const data = sorted.slice(Math.max(0, sorted.length - size));
    return { object: "list", data, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null, has_more: sorted.length > data.length };
  }
  const data = sorted.slice(0, Math.min(limit, maxPageSize));
  return { object: "list", data, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null, has_more: sorted.length > data.length };
}

/**
 * A local Assistants-compatible server (real HTTP on 127.0.0.1) over a generated world: the runs
 * and run-steps routes with OpenAI's cursor paging and error shape, occasional 429s and 500s.
 */
export async function startFakeAssistants(options: FakeAssistantsOptions) {
  const prefix = options.prefix ?? "/v1";
  const apiKey = options.apiKey === undefined ? "sk-test" : options.apiKey;
  const runs = new Map<string, { run: FakeRun; served: number }>();
  const threads = new Map<string, string[]>();
  for (const thread of options.emptyThreads ?? []) threads.set(thread, []);
  for (const run of options.runs) {
    const first = run.states[0]!.run;
    runs.set(first.id as string, { run, served: 0 });
    const list = threads.get(first.thread_id as string) ?? [];
    list.push(first.id as string);
    threads.set(first.thread_id as string, list);
  }
  const broken = new Set(options.brokenRuns ?? []);
  const requests: ServedRequest[] = [];
  let count = 0;

  const states = (runId: string) => runs.get(runId)!.run.states;
  /** The state a run's next snapshot shows. */
  const upcoming = (runId: string) => states(runId)[Math.min(runs.get(runId)!.served, states(runId).length - 1)]!;
  /** The state its last served snapshot showed: what its steps answer with. */
  const shown = (runId: string) => states(runId)[Math.min(Math.max(runs.get(runId)!.served - 1, 0), states(runId).length - 1)]!;
  /** Serving a run's own snapshot moves it on to its next state. */
  const serveRun = (runId: string): Json => {
    const state = upcoming(runId);
    runs.get(runId)!.served += 1;
    return state.run;
  };

  function handle(req: IncomingMessage, url: URL): [number, unknown, Record<string, string>?] {
    const error = (status: number, message: string, type = "invalid_request_error"): [number, unknown] => [status, { error: { message, type, param: null, code: null } }];
    count += 1;
    if (apiKey !== null && req.headers.authorization !== `Bearer ${apiKey}`) return error(401, "Incorrect API key provided.", "invalid_request_error");
    for (const [name, value] of Object.entries(options.requireHeaders ?? {})) {
      if (req.headers[name.toLowerCase()] !== value) return error(401, `missing header ${name}`);
    }
    for (const [name, value] of Object.entries(options.requireQuery ?? {})) {
      if (url.searchParams.get(name) !== value) return error(400, `missing query parameter ${name}`);
    }
    if (options.rateLimitEvery && count % options.rateLimitEvery === 0) {
      return [429, { error: { message: "Rate limit reached.", type: "requests", param: null, code: "rate_limit_exceeded" } }, { "retry-after": options.rateLimitRetryAfter ?? "0" }];
    }
    if (options.serverErrorEvery && count % options.serverErrorEvery === 0) {
      return [500, { error: { message: "The server had an error.", type: "server_error", param: null, code: null } }, { "retry-after-ms": "1" }];
    }
    if (req.method !== "GET" || !url.pathname.startsWith(`${prefix}/threads/`)) return error(404, `Invalid URL (${req.method} ${url.pathname})`);
    const parts = url.pathname.slice(prefix.length + 1).split("/").map(decodeURIComponent);
    const [, threadId, runsPart, runId, stepsPart, stepId] = parts;
    const runIds = threads.get(threadId!);
    if (!runIds) return error(404, `No thread found with id '${threadId}'.`);
    if (runsPart !== "runs" || parts.length > 6) return error(404, `Invalid URL (${url.pathname})`);
    if (runId === undefined) {
      const listed = page(runIds.map((id) => upcoming(id).run), url.searchParams, options.maxPageSize ?? 100);
      if (typeof listed === "string") return error(400, listed);
      for (const run of listed.data as Json[]) serveRun(run.id as string);
      return [200, listed];
    }
    if (!runIds.includes(runId)) return error(404, `No run found with id '${runId}'.`);
    if (stepsPart === undefined) return [200, serveRun(runId)];
    if (stepsPart !== "steps") return error(404, `Invalid URL (${url.pathname})`);
    if (broken.has(runId)) return [500, { error: { message: "The server had an error while listing steps.", type: "server_error", param: null, code: null } }, { "retry-after-ms": "1" }];
    const withContent = url.searchParams.getAll("include[]").includes(CONTENT_INCLUDE);
    const steps = shown(runId).steps.map((s) => (withContent ? s : stripContent(s)));
    if (stepId !== undefined) {
      const step = steps.find((s) => s.id === stepId);
      return step ? [200, step] : error(404, `No step found with id '${stepId}'.`);
    }
    const listed = page(steps, url.searchParams, options.maxPageSize ?? 100);
    return typeof listed === "string" ? error(400, listed) : [200, listed];
  }

  let inFlight = 0;
  const stats = { maxInFlight: 0 };
  const server = createServer((req, res) => {
    const at = performance.now();
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const own = options.answer?.(url.pathname.slice(prefix.length), url.searchParams);
    const [status, body, headers] = own ? [own.status ?? 200, own.body, { "content-type": own.contentType ?? "application/json" }] : handle(req, url);
    requests.push({ method: req.method ?? "", path: url.pathname, query: url.searchParams, status, at });
    const text = own ? own.body : JSON.stringify(body, null, options.indent);
    inFlight += 1;
    stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
    setTimeout(() => {
      inFlight -= 1;
      res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
      res.end(text);
    }, options.delayMs ?? 0);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}${prefix}`,
    requests,
    /** The most requests it was answering at once. */
    stats,
    /** Requests that reached a run's steps endpoint (any answer). */
    stepListings: (runId: string) => requests.filter((r) => r.path.endsWith(`/runs/${runId}/steps`)),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export type FakeAssistants = Awaited<ReturnType<typeof startFakeAssistants>>;
