import { z } from "zod";
import { jsonPath } from "../records/jsonPath.js";
import { reasonOf } from "../records/reason.js";
import { PriceTableError, type PriceFile } from "./prices.js";

const modelPrice = z.object({
  input_per_million: z.number().nonnegative(),
  output_per_million: z.number().nonnegative(),
});

const priceFile = z.object({
  as_of: z.iso.date(),
  source: z.string().optional(),
  models: z.record(z.string(), z.unknown()),
});

const fail = (path: string, at: readonly PropertyKey[], reason: string): never => {
  throw new PriceTableError(`${path}: ${jsonPath(at)}: ${reason}`);
};

function checkModels(path: string, models: Record<string, unknown>): PriceFile["models"] {
  if (Object.hasOwn(models, "__proto__")) fail(path, ["models", "__proto__"], "not a model name");
  const checked: PriceFile["models"] = {};
  for (const [model, value] of Object.entries(models)) {
    if (model === "") fail(path, ["models", model], "a model name cannot be empty");
    const price = modelPrice.safeParse(value, { reportInput: true });
    if (!price.success) {
      const issue = price.error.issues[0]!;
      fail(path, ["models", model, ...issue.path], reasonOf(issue));
    }
    checked[model] = price.data!;
  }
  return checked;
}

/** A price file's JSON checked: the first problem is a PriceTableError naming the file and the key. */
export function checkPriceFile(path: string, json: unknown): PriceFile {
  const file = priceFile.safeParse(json, { reportInput: true });
  if (!file.success) {
    const issue = file.error.issues[0]!;
    fail(path, issue.path, reasonOf(issue));
  }
  // The models as parsed, not as zod copied them: its record drops a "__proto__" key without a word.
  return { ...file.data!, models: checkModels(path, (json as { models: Record<string, unknown> }).models) };
}
