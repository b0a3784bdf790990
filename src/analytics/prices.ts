import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { invalidJson } from "../records/invalidJson.js";

/** The price table the project ships (CONTRACT §7): list prices on the day the Assistants API shut down. */
export const DEFAULT_PRICES_PATH = fileURLToPath(new URL("../../prices/openai-2026-08-26.json", import.meta.url));

export interface ModelPrice {
  /** USD per prompt token. */
  input: number;
  /** USD per completion token. */
  output: number;
}

export interface PriceTable {
  path: string;
  asOf: string;
  /** Keyed by model name; a Map, so any name from a file is a plain key. */
  models: ReadonlyMap<string, { inputPerMillion: number; outputPerMillion: number }>;
}

/** A price file that cannot be used, naming the file and the key: `prices.json: $.models["gpt-4o"].input_per_million: expected number, got "2.5"`. */
export class PriceTableError extends Error {}

/** A price table's file as it is written (CONTRACT §7): prices in USD per million tokens. */
export interface PriceFile {
  as_of: string;
  source?: string;
  models: Record<string, { input_per_million: number; output_per_million: number }>;
}

/** The table a checked file gives. */
export const priceTableOf = (path: string, file: PriceFile): PriceTable => ({
  path,
  asOf: file.as_of,
  models: new Map(Object.entries(file.models).map(([model, price]) => [model, { inputPerMillion: price.input_per_million, outputPerMillion: price.output_per_million }])),
});

/**
 * Reads a price table file (`--prices`, `STEPSTORE_PRICES`, or the shipped default) and checks it with zod
 * (priceFile.ts). The shipped table is checked by its test, not at each start: loading zod is most of a report's start.
 */
export async function loadPriceTable(path: string): Promise<PriceTable> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new PriceTableError(`${path}: cannot read the price table (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  // A byte-order mark opens the file as editors save it, not the JSON: skipped, as ingest skips it.
  text = text.replace(/^\uFEFF/, "");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PriceTableError(`${path}: ${invalidJson(error, text, path).reason}`);
  }
  if (path === DEFAULT_PRICES_PATH) return priceTableOf(path, json as PriceFile);
  const { checkPriceFile } = await import("./priceFile.js");
  return priceTableOf(path, checkPriceFile(path, json));
}

/** `--prices`, else `$STEPSTORE_PRICES`, else the shipped table. */
export function pricesPath(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return option ?? (env.STEPSTORE_PRICES || undefined) ?? DEFAULT_PRICES_PATH;
}

/**
 * A model's per-token prices: its exact key, else the longest key `K` such that the model starts
 * with `K-` (`gpt-4o-2024-08-06` → `gpt-4o`); `null` when unknown or unpriced.
 */
export function priceOf(table: PriceTable, model: string | null): ModelPrice | null {
  if (model === null) return null;
  let found = table.models.get(model);
  if (!found) {
    let longest = -1;
    for (const [key, price] of table.models) {
      if (key.length > longest && model.startsWith(`${key}-`)) {
        found = price;
        longest = key.length;
      }
    }
  }
  return found ? { input: found.inputPerMillion / 1e6, output: found.outputPerMillion / 1e6 } : null;
}
