import { chromium, type Browser } from "playwright-core";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserMissing, CHROMIUM, CHROMIUM_ARGS } from "../helpers/browser.js";
import { emptyStore, stepstore, tempDir } from "../helpers/cli.js";
import { generateWorld } from "../world/world.js";
import { snapshotSteps, storeOf } from "./truth.js";

let browser: Browser;
let db: string;
const out = tempDir("stepstore-html-");

beforeAll(async () => {
  if (!CHROMIUM) return;
  [browser, db] = await Promise.all([chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }), storeOf(generateWorld(3, { runs: 12 }), snapshotSteps(200, 5))]);
});
afterAll(async () => {
  await browser?.close();
});

interface Opened {
  errors: string[];
  requests: string[];
  svgs: number;
  text: string;
  screenshot: Buffer;
}

async function open(file: string): Promise<Opened> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(String(error)));
  page.on("requestfailed", (request) => errors.push(`request failed: ${request.url()}`));
  context.on("request", (request) => requests.push(request.url()));
  await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
  const svgs = await page.locator("figure svg").count();
  const text = await page.locator("body").innerText();
  const screenshot = await page.screenshot({ fullPage: true });
  await context.close();
  return { errors, requests, svgs, text, screenshot };
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
  const result = await stepstore(["report", "--format", "html", "--out", file, ...args]);
  expect(result.code, result.stderr).toBe(0);
  return file;
}

describe.skipIf(!CHROMIUM)(`stepstore report --format html, opened in headless Chromium${browserMissing ? ` (skipped: ${browserMissing})` : ""}`, () => {
  it.each([
    ["tool", 5],
    ["model", 5],
    ["day", 4],
    ["hour", 4],
  ])("given a store, when reported by %s as HTML, then the page renders its charts offline: no errors, no requests, not blank", async (by, charts) => {
    const file = await htmlReport(["--db", db, "--by", by], `${by}.html`);
    const html = readFileSync(file, "utf8");
    expect(html).not.toMatch(/<script|<link|@import|url\(|src="http/i);
    const page = await open(file);
    expect(page.errors).toEqual([]);
    expect(page.requests).toEqual([pathToFileURL(file).href]);
    expect(page.svgs).toBe(charts);
    expect(page.text).toMatch(/Steps/i);
    expect(page.text).toMatch(/Failure rate/i);
    expect(page.text).toMatch(/p95 completion time/i);
    expect(page.text).toMatch(/Tokens/i);
    expect(page.text).toMatch(/Date range/i);
    expect(await colourCount(page.screenshot)).toBeGreaterThan(30);
    if (by === "model") expect(html).toContain("Cost by model");
    if (by === "hour") expect(html).toContain("Steps per hour by status");
    if (by === "day") {
      for (const title of ["Failure rate over time", "Completion time over time", "Tokens over time", "Steps per day by status", "completion time (seconds)", "day (UTC)"]) {
        expect(html).toContain(title);
      }
    }
  });

  it("given an empty store, when reported as HTML, then the page says nothing matched and renders without errors", async () => {
    const file = await htmlReport(["--db", await emptyStore()], "empty.html");
    const page = await open(file);
    expect(page.errors).toEqual([]);
    expect(page.requests).toEqual([pathToFileURL(file).href]);
    expect(page.text).toMatch(/No run steps match/);
  });
});
