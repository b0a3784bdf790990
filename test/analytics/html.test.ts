import { chromium, type Browser } from "playwright-core";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Run, RunStep } from "../../src/records/schemas.js";
import { browserMissing, CHROMIUM, CHROMIUM_ARGS } from "../helpers/browser.js";
import { emptyStore, stepstore, tempDir } from "../helpers/cli.js";
import { assistantRecords, generateWorld } from "../world/world.js";
import { snapshotRuns, snapshotSteps, storeOf, testPricesFile, truthRows, type Dimension, type Filter, type Truth } from "./truth.js";

/** Screenshots for people to look at (not committed): test-output/report/<name>.png. */
const SCREENSHOTS = join(import.meta.dirname, "..", "..", "test-output", "report");

/** An assistant whose three steps are all still in progress, in a run of a model nothing else ran: groups with no finished step. */
function quietGroup(): { steps: RunStep[]; run: Run } {
  const created = Date.UTC(2025, 1, 3, 10) / 1000;
  const steps = [0, 1, 2].map((i) => ({
    id: `step_quiet${i}`, object: "thread.run.step", created_at: created + i * 60, assistant_id: "asst_quiet", thread_id: "thread_quiet", run_id: "run_quiet",
    type: "message_creation", status: "in_progress", step_details: { type: "message_creation", message_creation: { message_id: `msg_quiet${i}` } },
    last_error: null, expired_at: null, cancelled_at: null, failed_at: null, completed_at: null, metadata: null, usage: null,
  }) as unknown as RunStep);
  const run = {
    id: "run_quiet", object: "thread.run", created_at: created, thread_id: "thread_quiet", assistant_id: "asst_quiet", status: "in_progress",
    started_at: created, expires_at: created + 600, cancelled_at: null, failed_at: null, completed_at: null, model: "gpt-4.1-mini",
  } as unknown as Run;
  return { steps, run };
}

/** Named assistants (and one without a name), several models with and without prices, a group with no finished step. */
const SNAPSHOT_ASSISTANTS = ["asst_Zeta", "asst_alpha", "asst_Émile", "asst_quiet"];
const SNAPSHOT_NAMES = ["Zeta escalations", "Alpha triage", "Émile (French support)", "Night shift"];

let browser: Browser;
let db: string;
let truth: Truth;
let prices: string;
/** The name each assistant's record gives it, by id. */
let names: Map<string, string>;
const out = tempDir("stepstore-html-");

beforeAll(async () => {
  if (!CHROMIUM) return;
  const world = generateWorld(3, { runs: 12 });
  const quiet = quietGroup();
  const base = snapshotSteps(200, 5);
  const snapshots = [...base, ...quiet.steps];
  const runs = [...snapshotRuns(base), quiet.run];
  truth = { steps: [...world.steps, ...snapshots], runs: [...world.runs, ...runs] };
  prices = testPricesFile();
  const assistants = [...assistantRecords(world.assistants), ...assistantRecords(SNAPSHOT_ASSISTANTS, SNAPSHOT_NAMES)];
  names = new Map(assistants.flatMap((record) => (record.name === null ? [] : [[record.id as string, record.name as string]])));
  [browser, db] = await Promise.all([chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }), storeOf(world, snapshots, runs, assistants)]);
  mkdirSync(SCREENSHOTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
});

interface Opened {
  errors: string[];
  requests: string[];
  svgs: number;
  text: string;
  /** The y-axis labels of the first chart, top to bottom. */
  firstChartKeys: string[];
  /** The widths of the first chart's bars in CSS pixels, top to bottom. */
  firstChartBars: number[];
  /** The tick labels of every axis counting steps. */
  stepTicks: string[];
  /** How wide the page is, and how far the table's box scrolls sideways (0: every column in view). */
  widths: { page: number; tableScroll: number };
  screenshot: Buffer;
}

/** Opens the page at 1280 px in a context that blocks and records every request but the page's own. */
async function open(file: string): Promise<Opened> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  const self = pathToFileURL(file).href;
  await context.route("**/*", (route) => (route.request().url() === self ? route.continue() : route.abort("blockedbyclient")));
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(String(error)));
  context.on("request", (request) => requests.push(request.url()));
  await page.goto(self, { waitUntil: "load" });
  const svgs = await page.locator("figure svg").count();
  const text = await page.locator("body").innerText();
  const firstChartKeys = svgs === 0 ? [] : await page.locator("figure").first().locator(`g.role-axis[aria-label^="Y-axis"] g.role-axis-label text`).allTextContents();
  const boxes = await Promise.all((await page.locator("figure").first().locator("g.mark-rect path").all()).map((bar) => bar.boundingBox()));
  const firstChartBars = boxes.filter((box) => box !== null).sort((a, b) => a.y - b.y).map((box) => box.width);
  const stepTicks = await page.locator(`g.role-axis[aria-label*="titled 'steps'"] g.role-axis-label text`).allTextContents();
  const widths = await page.evaluate(() => {
    type Box = { scrollWidth: number; clientWidth: number };
    const { document } = globalThis as unknown as { document: { documentElement: Box; querySelector(selector: string): Box | null } };
    const rows = document.querySelector(".rows");
    return { page: document.documentElement.scrollWidth, tableScroll: rows === null ? 0 : rows.scrollWidth - rows.clientWidth };
  });
  const screenshot = await page.screenshot({ fullPage: true });
  await context.close();
  return { errors, requests, svgs, text, firstChartKeys, firstChartBars, stepTicks, widths, screenshot };
}

/** How many distinct colours the screenshot holds (decoded by the browser itself, in a blank page). */
async function colourCount(png: Buffer): Promise<number> {
  const page = await browser.newPage();
  try {
    return await page.evaluate(async (dataUrl) => {
      // Browser globals, typed here by hand (the project's lib has no DOM).
      const { Image, OffscreenCanvas } = globalThis as unknown as {
        Image: new () => { src: string; width: number; height: number; decode(): Promise<void> };
        OffscreenCanvas: new (w: number, h: number) => {
          getContext(kind: "2d"): { drawImage(image: unknown, x: number, y: number): void; getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
        };
      };
      const image = new Image();
      image.src = dataUrl;
      await image.decode();
      const canvas = new OffscreenCanvas(image.width, image.height);
      const context = canvas.getContext("2d")!;
      context.drawImage(image, 0, 0);
      const { data } = context.getImageData(0, 0, image.width, image.height);
      const colours = new Set<number>();
      for (let i = 0; i < data.length; i += 4 * 7) colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
      return colours.size;
    }, `data:image/png;base64,${png.toString("base64")}`);
  } finally {
    await page.close();
  }
}

async function htmlReport(args: string[], name: string): Promise<string> {
  const file = join(out, name);
  const result = await stepstore(["report", "--format", "html", "--prices", prices, "--out", file, ...args]);
  expect(result.code, result.stderr).toBe(0);
  return file;
}

/** Opens a report and checks what every report page must be: offline, quiet, charted, not blank; keeps its screenshot. */
async function openChecked(file: string, name: string, charts: number): Promise<Opened & { html: string }> {
  const html = readFileSync(file, "utf8");
  expect(html).not.toMatch(/<script|<link|@import|url\(|src="http/i);
  const page = await open(file);
  writeFileSync(join(SCREENSHOTS, `${name}.png`), page.screenshot);
  expect(page.errors).toEqual([]);
  expect(page.requests).toEqual([pathToFileURL(file).href]);
  expect(page.svgs).toBe(charts);
  for (const card of [/Steps/i, /Failure rate/i, /p95 completion time/i, /Tokens/i, /Date range/i]) expect(page.text).toMatch(card);
  expect(await colourCount(page.screenshot)).toBeGreaterThan(30);
  // Counts are whole numbers: so are their ticks.
  expect(page.stepTicks.length).toBeGreaterThan(1);
  for (const tick of page.stepTicks) expect(tick).toMatch(/^\d+$/);
  return { ...page, html };
}

/** The label a chart gives a truth row's key: the assistant's name before its id. */
function labelOf(key: string | null, dimension: Dimension): string {
  if (key === null) return "(none)";
  const name = names.get(key);
  return dimension === "assistant" && name !== undefined ? `${name} (${key})` : key;
}

/** The failure rates of the first chart's bars, top to bottom, from the truth (null: no finished step). */
function ratesInChartOrder(keys: readonly string[], dimension: Dimension, filter: Filter = {}): (number | null)[] {
  const rates = new Map(truthRows(truth, dimension, filter).map((row) => [labelOf(row.key, dimension), row.failure_rate]));
  // vega shortens a long label with "…": match by its start.
  return keys.map((key) => {
    const found = [...rates].find(([label]) => label === key || (key.endsWith("…") && label.startsWith(key.slice(0, -1))));
    return found === undefined ? Number.NaN : found[1];
  });
}

describe.skipIf(!CHROMIUM)(`stepstore report --format html, opened in headless Chromium at 1280 px${browserMissing ? ` (skipped: ${browserMissing})` : ""}`, () => {
  it.each([
    ["model", 5, "gpt-4.1-mini"],
    ["assistant", 5, "Night shift"],
    ["error", 4, null],
    ["tool", 5, null],
  ] as const)("given named assistants and several models, when reported by %s, then the bars run from the highest failure rate down and a group with no finished step says so", async (by, charts, quiet) => {
    const page = await openChecked(await htmlReport(["--db", db, "--by", by], `${by}.html`), `by-${by}`, charts);
    const rates = ratesInChartOrder(page.firstChartKeys, by);
    expect(rates.length).toBe(truthRows(truth, by).length);
    expect(rates.every((rate) => !Number.isNaN(rate)), `every bar is a group: ${page.firstChartKeys.join(", ")} → ${rates.join(", ")}`).toBe(true);
    const finished = rates.filter((rate): rate is number => rate !== null);
    expect(finished).toEqual([...finished].sort((a, b) => b - a));
    expect(rates.slice(finished.length).every((rate) => rate === null), "groups with no finished step come last").toBe(true);
    // Scaled to the data: the largest rate's bar fills most of the 560 px plot, and each bar's length is its rate's share of it.
    expect(page.firstChartBars).toHaveLength(finished.length);
    expect(page.firstChartBars[0]!).toBeGreaterThan(0.8 * 560);
    page.firstChartBars.forEach((width, i) => expect(width / page.firstChartBars[0]!).toBeCloseTo(finished[i]! / finished[0]!, 2));
    if (quiet !== null) {
      expect(page.text).toContain(quiet);
      expect(page.html).toContain("no finished steps");
    }
    if (by === "model") expect(page.html).toContain("Cost by model");
    if (by === "assistant") {
      for (const name of ["Order tracker", "Refunds desk", "Alpha triage", "Émile (French support)"]) expect(page.text).toContain(name);
    }
  });

  it("given a span with a span before it, when reported by day, then each trend is drawn beside the previous period's", async () => {
    const span = { from: "2025-02-02", to: "2025-02-06" };
    const page = await openChecked(await htmlReport(["--db", db, "--by", "day", "--from", span.from, "--to", span.to], "day.html"), "by-day", 5);
    for (const title of ["Failure rate over time", "Completion time over time", "Tokens over time", "Steps per day by status", "Cost over time", "completion time (seconds)", "day (UTC)"]) {
      expect(page.html).toContain(title);
    }
    // Five days before 2025-02-02; the snapshot steps start on 2025-01-28.
    expect(page.html).toContain("previous period (2025-01-28 → 2025-02-01)");
    const previous = truthRows(truth, "day", { from: "2025-01-28", to: "2025-02-01" }).reduce((sum, row) => sum + row.steps, 0);
    expect(page.text).toContain(`previous period: ${previous.toLocaleString("en-US")}`);
  });

  it("given one assistant whose steps are all in progress, when reported for it, then its name shows, nothing is drawn as a zero and step ticks stay whole", async () => {
    const page = await openChecked(await htmlReport(["--db", db, "--by", "model", "--assistant", "asst_quiet"], "quiet.html"), "quiet", 3);
    expect(page.text).toContain("assistant Night shift (asst_quiet)");
    expect(page.text).toMatch(/Failure rate\s*no finished steps/i);
    expect(page.firstChartBars).toEqual([]);
    expect(page.html).toContain("no finished steps");
    expect(page.html).toContain("no tokens");
    expect(Math.max(...page.stepTicks.map(Number))).toBe(3);
  });

  it("given a day whose one step failed, when reported by day, then no completion-time chart is drawn over no data", async () => {
    const step = truth.steps.find((s) => s.status === "failed")!;
    const file = join(tempDir(), "failed.jsonl");
    writeFileSync(file, `${JSON.stringify(step)}\n`);
    const store = await emptyStore();
    expect((await stepstore(["ingest", "--db", store, file])).code).toBe(0);
    const report = await htmlReport(["--db", store, "--by", "day"], "one-failed-day.html");
    const page = await open(report);
    expect(page.errors).toEqual([]);
    const html = readFileSync(report, "utf8");
    expect(html).toContain("Failure rate over time");
    expect(html).not.toContain("Completion time over time");
    // Before: an empty plot whose one tick read 0.000000.
    expect(page.text).not.toContain("0.000000");
    expect(page.svgs).toBe(3);
  });

  it("given no filter, when reported by hour, then the page renders with its trends", async () => {
    const page = await openChecked(await htmlReport(["--db", db, "--by", "hour"], "hour.html"), "by-hour", 5);
    expect(page.html).toContain("Steps per hour by status");
    expect(page.html).toContain("Cost over time");
  });

  it("given a tool key with no place to break, when reported by tool, then it wraps in its cell and every column stays in view at 1280 px", async () => {
    const long = `function:lookup_${"order_history_".repeat(16)}v2`;
    const step = truth.steps.find((s) => s.type === "tool_calls" && s.status === "completed")!;
    const call = { id: "call_long", type: "function", function: { name: long.slice("function:".length), arguments: "{}", output: "ok" } };
    const file = join(tempDir(), "long.jsonl");
    writeFileSync(file, `${JSON.stringify({ ...step, id: "step_LongTool", step_details: { type: "tool_calls", tool_calls: [call] } })}\n`);
    const store = await emptyStore();
    expect((await stepstore(["ingest", "--db", store, file])).code).toBe(0);
    const page = await open(await htmlReport(["--db", store, "--by", "tool"], "long-tool.html"));
    writeFileSync(join(SCREENSHOTS, "long-tool.png"), page.screenshot);
    expect(page.errors).toEqual([]);
    expect(page.text).toContain(long.slice(0, 30));
    expect(page.widths.tableScroll).toBe(0);
    expect(page.widths.page).toBeLessThanOrEqual(1280);
  });

  it("given an empty store, when reported as HTML, then the page says nothing matched and renders without errors", async () => {
    const file = await htmlReport(["--db", await emptyStore()], "empty.html");
    const page = await open(file);
    expect(page.errors).toEqual([]);
    expect(page.requests).toEqual([pathToFileURL(file).href]);
    expect(page.text).toMatch(/No run steps match/);
    // Said once a section, not as a table of headers over no rows.
    expect(page.text).toMatch(/No run steps match these filters: no rows\./);
    expect(readFileSync(file, "utf8")).not.toContain("<table");
  });
});
