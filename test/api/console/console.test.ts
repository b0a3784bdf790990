import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { utcDay } from "../../analytics/truth.js";
import { browserMissing, CHROMIUM, CHROMIUM_ARGS } from "../../helpers/browser.js";
import { startServer, type RunningServer } from "../harness.js";
import { allPages, consoleWorld, HOSTILE_ASSISTANT, HOSTILE_OUTPUT, HOSTILE_RUN, HOSTILE_STEP, HOSTILE_THREAD, links, LONG_FUNCTION, LONG_MODEL, stepsOfRun, watchedPage, type ConsoleWorld, type Watched } from "./consoleWorld.js";

let browser: Browser;
let world: ConsoleWorld;
let server: RunningServer;
let watched: Watched;

beforeAll(async () => {
  if (!CHROMIUM) return;
  world = await consoleWorld();
  [browser, server] = await Promise.all([chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }), startServer({ dbPath: world.db })]);
  watched = await watchedPage(browser);
});
afterAll(async () => {
  // Checked once every walk is done: nothing the console did logged an error or asked another origin.
  if (watched) {
    expect(watched.errors).toEqual([]);
    expect(watched.requests.filter((url) => !url.startsWith(`${server.url}/`))).toEqual([]);
  }
  await browser?.close();
  await server?.close();
});

describe.skipIf(!CHROMIUM)(`the console in Chromium${browserMissing ? ` (skipped: ${browserMissing})` : ""}`, () => {
  it("/ leads to the overview; from it to a run, whose steps are the run's in order, and to each step", async () => {
    const { page } = watched;
    await page.goto(`${server.url}/`);
    expect(new URL(page.url()).pathname).toBe("/ui/");
    expect(await page.locator("h1").innerText()).toBe("Overview");
    // The windows end on the newest step's UTC day: their step counts are the world's.
    const newest = Math.max(...world.steps.map((s) => s.created_at as number));
    const inDays = (days: number) => world.steps.filter((s) => utcDay(s.created_at as number) > utcDay(newest - days * 86_400)).length;
    const stepCards = await page.locator(".card", { hasText: "Steps" }).locator(".value").allInnerTexts();
    expect(stepCards.map((text) => Number(text.replace(/,/g, "")))).toEqual([inDays(1), inDays(7)]);
    const runLinks = (await links(page, "table")).filter((href) => href.startsWith("/ui/threads/"));
    expect(runLinks.length).toBeGreaterThan(0);
    let walked = 0;
    for (const runLink of runLinks) {
      const [, threadId, runId] = /^\/ui\/threads\/([^/]+)\/runs\/([^/]+)$/.exec(runLink)!;
      const expected = stepsOfRun(world, threadId!, runId!);
      await page.goto(`${server.url}/ui/`);
      await page.click(`a[href="${runLink}"]`);
      expect(await page.locator("h1").innerText()).toContain(runId);
      const stepLinks = await links(page, "ol.timeline");
      expect(stepLinks).toEqual(expected.map((id) => `/ui/steps/${id}`));
      for (const stepLink of stepLinks) {
        await page.click(`a[href="${stepLink}"]`);
        const step = world.steps.find((s) => `/ui/steps/${s.id}` === stepLink)!;
        expect(await page.locator("h1").innerText()).toBe(`Step ${step.id}`);
        expect(await page.locator("dl").innerText()).toContain(String(step.status));
        await page.goBack();
      }
      walked += stepLinks.length;
    }
    expect(walked).toBeGreaterThan(0);
  });

  it("a failed step, from the failures page, shows its error and its log events in position order", async () => {
    const { page } = watched;
    await page.goto(`${server.url}/ui/failures`);
    const failed = world.steps.filter((s) => s.status === "failed");
    const hrefs = await links(page, "main table");
    const listed = hrefs.filter((href) => href.startsWith("/ui/steps/")).map((href) => href.replace("/ui/steps/", ""));
    expect(new Set(listed)).toEqual(new Set(failed.map((s) => s.id)));
    // Each step's run links to its run's page.
    const runPages = hrefs.filter((href) => href.startsWith("/ui/threads/"));
    expect(new Set(runPages)).toEqual(new Set(failed.map((s) => `/ui/threads/${s.thread_id}/runs/${s.run_id}`)));
    const target = failed.find((s) => s.id !== HOSTILE_STEP && s.thread_id)!;
    await page.click(`a[href="/ui/steps/${target.id}"]`);
    const error = target.last_error as { code: string; message: string };
    expect(await page.locator("main").innerText()).toContain(error.code);
    expect(await page.locator("main").innerText()).toContain(error.message);
    // The log as the JSON API serves it (another route): same positions, same order, with source and origin.
    const api = await (await fetch(`${server.url}/v1/threads/${target.thread_id}/runs/${target.run_id}/steps/${target.id}/events`)).json() as { data: { position: number; source: string; origin: string }[] };
    const cells = await page.locator("main > table").last().locator("tbody tr").evaluateAll((rows) =>
      rows.map((row) => [...(row as unknown as { cells: { textContent: string }[] }).cells].slice(0, 4).map((cell) => cell.textContent)));
    expect(cells).toEqual(api.data.map((e) => [String(e.position), expect.any(String), e.source, e.origin]));
    expect(api.data.length).toBeGreaterThan(0);
  });

  it("a function output holding <script> shows as text and runs nothing", async () => {
    const { page } = watched;
    await page.goto(`${server.url}/ui/steps/${HOSTILE_STEP}`);
    expect(await page.locator("main").innerText()).toContain(HOSTILE_OUTPUT);
    expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.title()).not.toBe("pwned");
    expect(await page.locator("main img").count()).toBe(0);
    // Its assistant by name beside its id, the name's markup as text.
    expect(await page.locator("main").innerText()).toContain(`${HOSTILE_ASSISTANT.name} ${HOSTILE_ASSISTANT.id}`);
    expect(await page.locator("main b").count()).toBe(0);
    // The failed step's unanswered call says it never got an output, not that one is coming.
    const unanswered = page.locator("section", { hasText: "call_unanswered" });
    expect(await unanswered.innerText()).toContain("None: the step ended without one.");
  });

  it("a failed run's page shows its last error and when it ended, in UTC", async () => {
    const { page } = watched;
    const failed = world.runs.find((run) => run.status === "failed" && run.last_error);
    expect(failed, "the world has a failed run").toBeDefined();
    await page.goto(`${server.url}/ui/threads/${failed!.thread_id}/runs/${failed!.id}`);
    const main = await page.locator("main").innerText();
    const error = failed!.last_error as { code: string; message: string };
    expect(main).toContain("Last error");
    expect(main).toContain(error.code);
    expect(main).toContain(error.message);
    expect(main).toMatch(/Ended\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/);
  });

  it("filters narrow the runs list: model matches exactly, `to` is inclusive, every page followed", async () => {
    const { page } = watched;
    const gpt4o = world.runs.filter((run) => run.model === "gpt-4o");
    expect(world.runs.some((run) => String(run.model).startsWith("gpt-4o-"))).toBe(true);
    const listed = await allPages(page, `${server.url}/ui/runs?model=gpt-4o`, "tbody td:first-child");
    expect(listed.sort()).toEqual(gpt4o.map((run) => run.id).sort());
    const days = [...new Set(gpt4o.map((run) => utcDay(run.created_at as number)))].sort();
    const to = days[Math.floor(days.length / 2)]!;
    const upTo = await allPages(page, `${server.url}/ui/runs?model=gpt-4o&to=${to}`, "tbody td:first-child");
    expect(upTo.sort()).toEqual(gpt4o.filter((run) => utcDay(run.created_at as number) <= to).map((run) => run.id).sort());
    expect(upTo.length).toBeLessThan(listed.length);
  });

  it("lists every run newest first, ten or more a page, runs known only from steps included", async () => {
    const { page } = watched;
    await page.goto(`${server.url}/ui/runs`);
    expect(await page.locator("tbody tr").count()).toBeGreaterThanOrEqual(10);
    const all = await allPages(page, `${server.url}/ui/runs`, "tbody td:first-child");
    const expected = new Set(world.steps.map((s) => s.run_id as string).concat(world.runs.map((r) => r.id as string)));
    expect(new Set(all)).toEqual(expected);
    expect(all).toContain(HOSTILE_RUN);
    const created = await allPages(page, `${server.url}/ui/runs`, "tbody td:last-child");
    expect(created).toEqual([...created].sort().reverse());
  });

  it("an analytics row links to exactly the steps it counts", async () => {
    const { page } = watched;
    await page.goto(`${server.url}/ui/report?by=model`);
    const row = page.locator("tbody tr", { has: page.locator("th", { hasText: /^gpt-4o$/ }) });
    const shown = Number((await row.locator("td").first().innerText()).replace(/,/g, ""));
    const expected = world.steps.filter((s) => world.models.get(s.run_id as string) === "gpt-4o").map((s) => s.id).sort();
    expect(shown).toBe(expected.length);
    await row.locator("td a").first().click();
    expect(Number((await page.locator("#row-steps").innerText()).replace(/,/g, ""))).toBe(expected.length);
    const listed = await allPages(page, page.url(), "tbody td:first-child");
    expect(listed.sort()).toEqual(expected);
  });

  it("analytics by assistant name each assistant beside its id, its markup as text, and so does its row's steps page", async () => {
    const { page } = watched;
    await page.goto(`${server.url}/ui/report?by=assistant`);
    const row = page.locator("tbody tr", { has: page.locator("th", { hasText: HOSTILE_ASSISTANT.id }) });
    expect(await row.locator("th").innerText()).toBe(`${HOSTILE_ASSISTANT.name} ${HOSTILE_ASSISTANT.id}`);
    await row.locator("th a").click();
    expect(await page.locator("h1").innerText()).toBe(`Steps of assistant ${HOSTILE_ASSISTANT.name} ${HOSTILE_ASSISTANT.id}`);
    expect(await page.locator("main b").count()).toBe(0);
  });

  it("a key, an id, a model or a file name with no place to break wraps in its cell: no page is wider than the 1280 px window", async () => {
    const { page } = watched;
    const pages: [string, string][] = [
      ["/ui/report?by=tool", LONG_FUNCTION], [`/ui/report/steps?by=tool&key=${encodeURIComponent(`function:${LONG_FUNCTION}`)}`, LONG_FUNCTION],
      [`/ui/steps/${HOSTILE_STEP}`, LONG_FUNCTION], ["/ui/failures", HOSTILE_STEP], [`/ui/threads/${HOSTILE_THREAD}/runs/${HOSTILE_RUN}`, HOSTILE_THREAD],
      [`/ui/runs?model=${encodeURIComponent(LONG_MODEL)}`, LONG_MODEL],
    ];
    for (const [path, shown] of pages) {
      await page.goto(`${server.url}${path}`);
      expect(await page.locator("main").innerText(), path).toContain(shown.slice(0, 40));
      const pageWidth = () => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth;
      expect(await page.evaluate(pageWidth), path).toBeLessThanOrEqual(1280);
    }
  });

  it("status badges stay on one line at 1280 px, beside ids and a model name with no place to break", async () => {
    const { page } = watched;
    for (const path of ["/ui/runs", `/ui/runs?model=${encodeURIComponent(LONG_MODEL)}`, "/ui/"]) {
      await page.goto(`${server.url}${path}`);
      const lines = await page.locator("span.status").evaluateAll((badges) => badges.map((badge) => badge.getClientRects().length));
      expect(lines.length, path).toBeGreaterThan(0);
      expect(lines.filter((count) => count !== 1), path).toEqual([]); // before: "complete / d" on two lines
    }
  });

  it("a tool row under a day filter lists exactly its steps, the filter kept in the link", async () => {
    const { page } = watched;
    // A step's tools as stats_by_tool names them: `function:<name>` for a function, else the call's type.
    const toolsOf = (s: Record<string, unknown>) => ((s.step_details as { tool_calls?: { type: string; function?: { name: string } }[] }).tool_calls ?? [])
      .map((call) => (call.type === "function" ? `function:${call.function!.name}` : call.type));
    const day = utcDay(world.steps.find((s) => toolsOf(s).some((t) => t.startsWith("function:")))!.created_at as number);
    const onDay = world.steps.filter((s) => utcDay(s.created_at as number) === day);
    const tool = onDay.flatMap(toolsOf).find((t) => t.startsWith("function:"))!;
    await page.goto(`${server.url}/ui/report?by=tool&from=${day}&to=${day}`);
    const link = await page.locator("tbody tr", { has: page.locator("th", { hasText: tool }) }).locator("th a").getAttribute("href");
    expect(link).toContain(`from=${day}`);
    const expected = onDay.filter((s) => toolsOf(s).includes(tool)).map((s) => s.id).sort();
    expect((await allPages(page, `${server.url}${link}`, "tbody td:first-child")).sort()).toEqual(expected);
  });

  it("answers unknown ids and pages 404, bad filters 400, as HTML pages; every answer forbids script", async () => {
    for (const [path, status] of [["/ui/steps/step_nope", 404], ["/ui/threads/t/runs/run_nope", 404], ["/ui/nope", 404], ["/ui/runs?from=2025-13-01", 400], ["/ui/runs?from=2025-08-10&to=2025-08-01", 400], ["/ui/report?by=colour", 400], ["/ui/runs?a%00=1", 400], ["/ui/runs", 200]] as const) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status, path).toBe(status);
      expect(response.headers.get("content-type"), path).toMatch(/^text\/html/);
      expect(response.headers.get("content-security-policy"), path).toMatch(/default-src 'self'; script-src 'none'/);
    }
    // A parameter's name is shown with its control characters escaped, not as raw bytes in the page.
    const named = await (await fetch(`${server.url}/ui/runs?a%00%1B=1`)).text();
    expect(named).toContain("&#39;a\\u0000\\u001b&#39; must not contain U+0000");
    expect(named).not.toMatch(/[\u0000-\u0008\u001b]/);
  });

  it("works from the keyboard: the first Tab reaches the skip link, then the sections; form fields have labels", async () => {
    const { page } = watched;
    await page.goto(`${server.url}/ui/runs`);
    const focused = () => page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document.activeElement.textContent);
    await page.keyboard.press("Tab");
    expect(await focused()).toBe("Skip to content");
    await page.keyboard.press("Enter");
    expect(new URL(page.url()).hash).toBe("#main");
    await page.goto(`${server.url}/ui/runs`);
    const tabbed: string[] = [];
    for (let i = 0; i < 5; i++) (await page.keyboard.press("Tab"), tabbed.push(await focused()));
    expect(tabbed).toEqual(["Skip to content", "Overview", "Runs", "Failures", "Analytics"]);
    for (const field of ["assistant", "model", "status", "from", "to"]) await expect(page.getByLabel(new RegExp(`^${field}`, "i")).count()).resolves.toBe(1);
  });

  // `STEPSTORE_CONSOLE_SHOTS=docs/console npx vitest run --project sqlite test/api/console/console.test.ts` renews the README's screenshots.
  it.skipIf(!process.env.STEPSTORE_CONSOLE_SHOTS)("screenshots of each page", async () => {
    const { page } = watched;
    const run = world.runs.find((r) => stepsOfRun(world, r.thread_id as string, r.id as string).length >= 3)!;
    const shots = {
      overview: "/ui/", runs: "/ui/runs?status=failed", run: `/ui/threads/${run.thread_id}/runs/${run.id}`, step: `/ui/steps/${HOSTILE_STEP}`,
      failures: "/ui/failures", report: "/ui/report?by=model", "report-row": "/ui/report/steps?by=model&key=o3-mini",
    };
    await page.setViewportSize({ width: 1000, height: 600 });
    for (const [name, path] of Object.entries(shots)) {
      await page.goto(`${server.url}${path}`);
      // The step page (the hostile one: its markup shows as text) is long: its log events are shown too, at most 1,300 px.
      const height = name === "step" ? Math.min(1300, await page.evaluate(() => (globalThis as unknown as { document: { body: { scrollHeight: number } } }).document.body.scrollHeight)) : 600;
      await page.screenshot({ path: `${process.env.STEPSTORE_CONSOLE_SHOTS}/${name}.png`, fullPage: true, clip: { x: 0, y: 0, width: 1000, height } });
    }
  });
});
