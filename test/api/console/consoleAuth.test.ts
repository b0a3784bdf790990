import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserMissing, CHROMIUM, CHROMIUM_ARGS } from "../../helpers/browser.js";
import { startServer, type RunningServer } from "../harness.js";
import { consoleWorld, watchedPage, type ConsoleWorld } from "./consoleWorld.js";

const KEY = "sk-console-test-Zq81";
let world: ConsoleWorld;
let server: RunningServer;

beforeAll(async () => {
  world = await consoleWorld();
  server = await startServer({ dbPath: world.db, apiKey: KEY });
});
afterAll(() => server?.close());

/** One URL of every page. */
function pages(): string[] {
  const run = world.runs.find((r) => r.model === "gpt-4o")!;
  const failed = world.steps.find((s) => s.status === "failed")!;
  return [
    "/ui/", "/ui/runs", "/ui/runs?model=gpt-4o", `/ui/threads/${run.thread_id}/runs/${run.id}`, `/ui/steps/${failed.id}`,
    "/ui/failures", "/ui/report?by=model", "/ui/report/steps?by=model&key=gpt-4o",
  ];
}

const runIds = () => [...new Set([...world.runs.map((r) => r.id as string), ...world.steps.map((s) => s.run_id as string)])];
const shownRunIds = (body: string) => runIds().filter((id) => body.includes(id));
/** What a page shows once signed in: run ids, or (the analytics table) the models. */
const showsData = (path: string, body: string) => (path === "/ui/report?by=model" ? body.includes(">gpt-4o<") : shownRunIds(body).length > 0);
const basic = (password: string) => `Basic ${Buffer.from(`me:${password}`).toString("base64")}`;

describe("the console with STEPSTORE_API_KEY set", () => {
  it("without the key (or with a wrong one) every page answers 401 with the sign-in form and no run id", async () => {
    for (const path of pages()) {
      for (const headers of <Record<string, string>[]>[{}, { authorization: basic("wrong") }, { authorization: "Bearer wrong" }, { cookie: "stepstore_console=forged" }]) {
        const response = await fetch(`${server.url}${path}`, { headers });
        const body = await response.text();
        expect(response.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(body).toContain("Sign in");
        expect(body).not.toContain(">gpt-4o<");
        // The form keeps the path asked for (the asker's own words) to return to, and nothing else of it.
        const form = body.replace(/<input type="hidden" name="next" value="[^"]*">/, "");
        expect(form).not.toBe(body);
        expect(shownRunIds(form), path).toEqual([]);
      }
    }
  });

  it("with HTTP Basic holding the key every page works and shows runs", async () => {
    for (const path of pages()) {
      const response = await fetch(`${server.url}${path}`, { headers: { authorization: basic(KEY) } });
      expect(response.status, path).toBe(200);
      expect(showsData(path, await response.text()), path).toBe(true);
    }
  });

  it("a wrong key at sign-in sets no cookie; the right one sets an HttpOnly, SameSite=Strict cookie that is not the key", async () => {
    const post = (key: string) => fetch(`${server.url}/ui/signin`, {
      method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ key }).toString(),
    });
    const wrong = await post("nope");
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    const right = await post(KEY);
    expect(right.status).toBe(303);
    const cookie = right.headers.get("set-cookie")!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toContain(KEY);
  });

  it("sign-in returns to the console page asked for, and never to another site", async () => {
    const asked = await fetch(`${server.url}/ui/runs?status=failed`);
    expect(asked.status).toBe(401);
    expect(await asked.text()).toContain('<input type="hidden" name="next" value="/ui/runs?status=failed">');
    const post = (next: string) => fetch(`${server.url}/ui/signin`, {
      method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ key: KEY, next }).toString(),
    });
    expect((await post("/ui/runs?status=failed")).headers.get("location")).toBe("/ui/runs?status=failed");
    // Off the console, as a browser resolves it (`..`, `%2e`), or too long to post back: the overview.
    for (const elsewhere of ["https://evil.example/ui/", "//evil.example/ui/", "/\\evil.example/ui/", "/report", "/ui/../healthz", "/ui/%2e%2e/v1/threads", "", `/ui/${"x".repeat(3000)}`]) {
      expect((await post(elsewhere)).headers.get("location"), elsewhere).toBe("/ui/");
    }
    // Odd but of the console: a page of this service, written as ASCII (a header cannot hold a line break or 日本).
    for (const [odd, location] of [["/ui//evil.example", "/ui//evil.example"], ["/ui/\\evil.example", "/ui//evil.example"], ["/ui/a\r\nb", "/ui/ab"], ["/ui/日本", "/ui/%E6%97%A5%E6%9C%AC"]]) {
      const answer = await post(odd!);
      expect(answer.status, odd).toBe(303);
      expect(answer.headers.get("location"), odd).toBe(location);
      expect(new URL(location!, server.url).origin).toBe(new URL(server.url).origin);
    }
  });

  it.skipIf(!CHROMIUM)(`in a browser: signed in through the form, every page works${browserMissing ? ` (skipped: ${browserMissing})` : ""}`, async () => {
    const browser: Browser = await chromium.launch({ executablePath: CHROMIUM!, args: CHROMIUM_ARGS });
    try {
      const { context, page, errors, requests } = await watchedPage(browser);
      const first = await page.goto(`${server.url}/ui/runs`);
      expect(first!.status()).toBe(401);
      expect(shownRunIds(await page.content())).toEqual([]);
      await page.fill("#key", KEY);
      // Back to the page asked for, not the overview: its URL is the 401's, so what is awaited is its answer, now 200.
      const signedIn = page.waitForResponse((r) => r.request().method() === "GET" && new URL(r.url()).pathname === "/ui/runs" && r.status() === 200);
      await page.click("text=Sign in >> nth=-1");
      await signedIn;
      await page.waitForLoadState();
      expect(showsData("/ui/runs", await page.content())).toBe(true);
      for (const path of pages()) {
        const response = await page.goto(`${server.url}${path}`);
        expect(response!.status(), path).toBe(200);
        expect(showsData(path, await page.content()), path).toBe(true);
      }
      await Promise.all([page.waitForURL(`${server.url}/ui/`), page.click("text=Sign out")]);
      expect((await page.goto(`${server.url}/ui/runs`))!.status()).toBe(401);
      // The 401 answers are expected console messages; nothing else may appear, nothing from elsewhere.
      expect(errors.filter((e) => !e.includes("401"))).toEqual([]);
      expect(requests.filter((url) => !url.startsWith(`${server.url}/`))).toEqual([]);
      await context.close();
    } finally {
      await browser.close();
    }
  });
});
