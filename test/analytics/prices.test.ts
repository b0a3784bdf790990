import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkPriceFile } from "../../src/analytics/priceFile.js";
import { DEFAULT_PRICES_PATH, loadPriceTable, PriceTableError, priceOf, pricesPath, priceTableOf } from "../../src/analytics/prices.js";
import { tempDir } from "../helpers/cli.js";

function priceFile(content: unknown): string {
  const path = join(tempDir(), "prices.json");
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

const table = (models: Record<string, [number, number]>) =>
  loadPriceTable(priceFile({ as_of: "2026-01-01", models: Object.fromEntries(Object.entries(models).map(([k, [i, o]]) => [k, { input_per_million: i, output_per_million: o }])) }));

describe("the price table (CONTRACT §7 cost_usd)", () => {
  it("ships a dated default that prices the Assistants API's models, and that passes the check a given table gets", async () => {
    const shipped = await loadPriceTable(DEFAULT_PRICES_PATH);
    // Trusted at start (loading zod is most of a report's start): checked here instead.
    const file = checkPriceFile(DEFAULT_PRICES_PATH, JSON.parse(readFileSync(DEFAULT_PRICES_PATH, "utf8")));
    expect(priceTableOf(DEFAULT_PRICES_PATH, file)).toEqual(shipped);
    expect(shipped.asOf).toBe("2026-08-26");
    for (const model of ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "o1", "o3-mini", "gpt-4-turbo", "gpt-3.5-turbo"]) {
      expect(priceOf(shipped, model), model).not.toBeNull();
    }
    // A dated snapshot is priced by its family; an exact key wins over the family.
    expect(priceOf(shipped, "gpt-4o-2024-08-06")).toEqual(priceOf(shipped, "gpt-4o"));
    expect(priceOf(shipped, "gpt-4o-2024-05-13")).not.toEqual(priceOf(shipped, "gpt-4o"));
    expect(priceOf(shipped, "gpt-4-0125-preview")).toEqual(priceOf(shipped, "gpt-4-turbo"));
    // The older gpt-3.5-turbo snapshots cost more than the family's last price.
    expect(priceOf(shipped, "gpt-3.5-turbo-0613")).not.toEqual(priceOf(shipped, "gpt-3.5-turbo"));
  });

  it("ships its table as data that says where its prices come from", () => {
    const file = JSON.parse(readFileSync(DEFAULT_PRICES_PATH, "utf8")) as { as_of: string; source?: string };
    expect(DEFAULT_PRICES_PATH).toMatch(new RegExp(`prices/openai-${file.as_of}\\.json$`));
    expect(file.source).toMatch(/platform\.openai\.com\/docs\/pricing/);
  });

  it("matches the exact key, else the longest key K with the model starting K-", async () => {
    const prices = await table({ "gpt-4o": [2.5, 10], "gpt-4o-mini": [0.15, 0.6], gpt: [1, 1] });
    expect(priceOf(prices, "gpt-4o")).toEqual({ input: 2.5e-6, output: 10e-6 });
    expect(priceOf(prices, "gpt-4o-mini-2024-07-18")).toEqual({ input: 0.15e-6, output: 0.6e-6 });
    expect(priceOf(prices, "gpt-4o-2024-08-06")).toEqual(priceOf(prices, "gpt-4o"));
    expect(priceOf(prices, "gpt-5")).toEqual({ input: 1e-6, output: 1e-6 });
    // "gpt-4omni" does not start with "gpt-4o-": it is not a gpt-4o.
    expect(priceOf(prices, "gpt4")).toBeNull();
    expect(priceOf(prices, "gpt-4omni")).toEqual(priceOf(prices, "gpt"));
    expect(priceOf(prices, null)).toBeNull();
    expect(priceOf(prices, "claude-3")).toBeNull();
  });

  it("names the file and the key of a bad entry", async () => {
    const bad = priceFile({ as_of: "2026-01-01", models: { "gpt-4o": { input_per_million: "2.5", output_per_million: 10 } } });
    await expect(loadPriceTable(bad)).rejects.toThrow(new PriceTableError(`${bad}: $.models["gpt-4o"].input_per_million: expected number, got "2.5"`));
    const negative = priceFile({ as_of: "2026-01-01", models: { o1: { input_per_million: -1, output_per_million: 1 } } });
    await expect(loadPriceTable(negative)).rejects.toThrow(`${negative}: $.models.o1.input_per_million:`);
    const undated = priceFile({ as_of: "2026-02-30", models: {} });
    await expect(loadPriceTable(undated)).rejects.toThrow(`${undated}: $.as_of:`);
    const missing = priceFile({ models: {} });
    await expect(loadPriceTable(missing)).rejects.toThrow(`${missing}: $.as_of: missing required key`);
    const proto = priceFile('{"as_of":"2026-01-01","models":{"__proto__":{"input_per_million":1,"output_per_million":1}}}');
    await expect(loadPriceTable(proto)).rejects.toThrow(`${proto}: $.models.__proto__: not a model name`);
    const huge = priceFile('{"as_of":"2026-01-01","models":{"o1":{"input_per_million":1e400,"output_per_million":1}}}');
    await expect(loadPriceTable(huge)).rejects.toThrow(new PriceTableError(`${huge}: $.models.o1.input_per_million: expected number, got a number beyond a double's range`));
    const broken = priceFile('{"as_of":"2026-01-01",\n "models": {\n  "o1": oops}}');
    // Before: 'not JSON (Unexpected token …, "{"as_of"… is not valid JSON)', with a position at best.
    await expect(loadPriceTable(broken)).rejects.toThrow(new PriceTableError(`${broken}: invalid JSON: Unexpected token o at line 3, column 9`));
    await expect(loadPriceTable("/no/such/prices.json")).rejects.toThrow("/no/such/prices.json: cannot read the price table (ENOENT)");
  });

  it("reads a file that opens with a byte-order mark, as editors save it (before: 'not JSON')", async () => {
    const withBom = priceFile(`\uFEFF${JSON.stringify({ as_of: "2026-01-01", models: { o1: { input_per_million: 15, output_per_million: 60 } } })}`);
    expect(await loadPriceTable(withBom)).toMatchObject({ asOf: "2026-01-01" });
  });

  it("takes --prices, else STEPSTORE_PRICES, else the shipped table", () => {
    expect(pricesPath("a.json", { STEPSTORE_PRICES: "b.json" })).toBe("a.json");
    expect(pricesPath(undefined, { STEPSTORE_PRICES: "b.json" })).toBe("b.json");
    expect(pricesPath(undefined, {})).toBe(DEFAULT_PRICES_PATH);
  });
});
