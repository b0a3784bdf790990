import type { Browser, BrowserContext, Page } from "playwright-core";
import type { Run, RunStep } from "../../../src/records/schemas.js";
import { snapshotRuns, snapshotSteps, storeOf } from "../../analytics/truth.js";
import { generateWorld } from "../../world/world.js";

type Step = RunStep & Record<string, unknown>;

/** What a function's output may hold: markup that must show as text and run nothing, fetch nothing. */
export const HOSTILE_OUTPUT = `<script>window.__pwned = 1; document.title = "pwned"</script><img src="https://evil.invalid/x.png" alt="x">`;

/** A function name with no place to break, longer than a 1280 px page: its cells must wrap it, not widen the page. */
export const LONG_FUNCTION = `lookup_${"order_history_".repeat(16)}v2`;

/** The hostile step's id and its run's, with no place to break, longer than a 1280 px page: each page must wrap them. */
export const HOSTILE_STEP = `step_hostile_${"9876543210".repeat(20)}`;
export const HOSTILE_RUN = `run_hostile_${"0123456789".repeat(20)}`;
export const HOSTILE_THREAD = `thread_hostile_${"5432109876".repeat(20)}`;
/** A model name, a file's name and id and a ranker with no place to break: the runs page's and the step page's cells must wrap them. */
export const LONG_MODEL = `gpt-4o-${"finetuned-".repeat(24)}v1`;
const LONG_FILE = `file_${"AbCdEfGhIj".repeat(20)}`;
const LONG_NAME = `${"quarterly_report_".repeat(12)}.pdf`;
const LONG_RANKER = `ranker_${"default_2024_08_21_".repeat(10)}`;

/** A failed function step whose output and error message are markup (its run has no snapshot), calling LONG_FUNCTION. */
function hostileStep(createdAt: number): RunStep {
  return {
    id: HOSTILE_STEP, object: "thread.run.step", created_at: createdAt, assistant_id: "asst_hostile", thread_id: HOSTILE_THREAD, run_id: HOSTILE_RUN,
    type: "tool_calls", status: "failed",
    step_details: { type: "tool_calls", tool_calls: [
      { id: "call_hostile", type: "function", function: { name: LONG_FUNCTION, arguments: '{"q":"<b>x</b>"}', output: HOSTILE_OUTPUT } },
      // A call the step failed before answering: no output, and none coming.
      { id: "call_unanswered", type: "function", function: { name: "notify_customer", arguments: "{}", output: null } },
      { id: "call_search", type: "file_search", file_search: {
        ranking_options: { ranker: LONG_RANKER, score_threshold: 0.5 }, results: [{ file_id: LONG_FILE, file_name: LONG_NAME, score: 0.9 }],
      } },
      { id: "call_chart", type: "code_interpreter", code_interpreter: { input: "plot()", outputs: [{ type: "image", image: { file_id: LONG_FILE } }] } },
    ] },
    last_error: { code: "server_error", message: "<script>window.__pwned = 2</script>" },
    expired_at: null, cancelled_at: null, failed_at: createdAt + 3, completed_at: null, metadata: null,
    usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
  } as unknown as RunStep;
}

/** The hostile step's assistant, whose name is markup too: the console shows it beside the id, as text. */
export const HOSTILE_ASSISTANT = { id: "asst_hostile", object: "assistant", created_at: 1_700_000_000, name: "<b>Order bot</b>", model: "gpt-4o", tools: [] };

export interface ConsoleWorld {
  db: string;
  steps: Step[];
  runs: Run[];
  /** Each run's model by run id (the runs that have a snapshot). */
  models: Map<string, string>;
}

/** A generated world (its run snapshots all gpt-4o), bare snapshots of runs with other models (three without a snapshot), one hostile step. */
export async function consoleWorld(): Promise<ConsoleWorld> {
  const world = generateWorld(11, { runs: 14 });
  const snapshots = snapshotSteps(90, 5);
  const [longModelRun, ...snapRuns] = snapshotRuns(snapshots);
  snapRuns.unshift({ ...longModelRun!, model: LONG_MODEL });
  const newest = Math.max(...[...world.steps, ...snapshots].map((s) => s.created_at as number));
  const hostile = hostileStep(newest + 60);
  const db = await storeOf(world, [...snapshots, hostile], snapRuns, [HOSTILE_ASSISTANT]);
  const runs = [...world.runs, ...snapRuns];
  const models = new Map(runs.map((run) => [run.id as string, run.model as string]));
  return { db, steps: [...world.steps, ...snapshots, hostile] as Step[], runs, models };
}

/** The steps of one run of one thread, in the order a run page lists them. */
export function stepsOfRun(world: ConsoleWorld, threadId: string, runId: string): string[] {
  return world.steps
    .filter((s) => s.thread_id === threadId && s.run_id === runId)
    .sort((a, b) => (a.created_at as number) - (b.created_at as number) || (a.id < b.id ? -1 : 1))
    .map((s) => s.id);
}

export interface Watched {
  context: BrowserContext;
  page: Page;
  /** Console errors and warnings, page errors, failed requests. */
  errors: string[];
  /** Every URL the page asked for. */
  requests: string[];
}

/** A fresh browser context whose console messages, errors and requests are recorded. */
export async function watchedPage(browser: Browser): Promise<Watched> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const watched: Watched = { context, page: await context.newPage(), errors: [], requests: [] };
  const report = (text: string) => void watched.errors.push(text);
  watched.page.on("console", (message) => ["error", "warning"].includes(message.type()) && report(message.text()));
  watched.page.on("pageerror", (error) => report(String(error)));
  watched.page.on("requestfailed", (request) => report(`request failed: ${request.url()}`));
  context.on("request", (request) => void watched.requests.push(request.url()));
  return watched;
}

/** Every link's href in the part of the page a selector names, in page order. */
export function links(page: Page, selector: string): Promise<string[]> {
  return page.locator(`${selector} a`).evaluateAll((anchors) => anchors.map((a) => (a as unknown as { getAttribute(n: string): string }).getAttribute("href")));
}

/** Follows "Next page" links from `url`, collecting the link texts of `selector` on every page. */
export async function allPages(page: Page, url: string, selector: string): Promise<string[]> {
  const seen: string[] = [];
  let next: string | null = url;
  for (let pages = 0; next !== null && pages < 100; pages++) {
    await page.goto(next);
    seen.push(...(await page.locator(selector).allInnerTexts()));
    const more = page.locator('a[rel="next"]');
    next = (await more.count()) > 0 ? new URL((await more.getAttribute("href"))!, page.url()).href : null;
  }
  return seen;
}
