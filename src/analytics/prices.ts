import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { jsonPath } from "../records/jsonPath.js";
import { reasonOf } from "../records/reason.js";

/** The price table the project ships (CONTRACT §7): list prices on the day the Assistants API shut down. */
export const DEFAULT_PRICES_PATH = fileURLToPath(new URL("../../prices/openai-2026-08-26.json", import.meta.url));

const modelPrice = z.object({
  input_per_million: z.number().nonnegative(),
  output_per_million: z.number().nonnegative(),
});

const priceFile = z.object({
  as_of: z.iso.date(),
  source: z.string().optional(),
  models: z.record(z.string(), z.unknown()),
});

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

const fail = (path: string, at: readonly PropertyKey[], reason: string): never => {
  throw new PriceTableError(`${path}: ${jsonPath(at)}: ${reason}`);
};

function parseModels(path: string, models: Record<string, unknown>) {
  if (Object.hasOwn(models, "__proto__")) fail(path, ["models", "__proto__"], "not a model name");
  const parsed = new Map<string, { inputPerMillion: number; outputPerMillion: number }>();
  for (const [model, value] of Object.entries(models)) {
    if (model === "") fail(path, ["models", model], "a model name cannot be empty");
    const price = modelPrice.safeParse(value, { reportInput: true });
    if (!price.success) {
      const issue = price.error.issues[0]!;
      fail(path, ["models", model, ...issue.path], reasonOf(issue));
    }
    parsed.set(model, { inputPerMillion: price.data!.input_per_million, outputPerMillion: price.data!.output_per_million });
  }
  return parsed;
}

/** Reads and checks a price table file (`--prices`, `STEPSTORE_PRICES`, or the shipped default). */
export function loadPriceTable(path: string): PriceTable {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new PriceTableError(`${path}: cannot read the price table (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PriceTableError(`${path}: not JSON (${(error as Error).message})`);
  }
  const file = priceFile.safeParse(json, { reportInput: true });
  if (!file.success) {
    const issue = file.error.issues[0]!;
    fail(path, issue.path, reasonOf(issue));
  }
  // The models as parsed, not as zod copied them: its record drops a "__proto__" key without a word.
  const models = (json as { models: Record<string, unknown> }).models;
  return { path, asOf: file.data!.as_of, models: parseModels(path, models) };
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
