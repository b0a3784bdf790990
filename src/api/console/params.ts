import { utcDayStart } from "../../analytics/metrics.js";
import { DAY_SECONDS } from "../../projections/stepStats/timeKeys.js";
import { reversedDayRange } from "../../analytics/report.js";
import { givenOnce, optionGiven, refuseUnknown as refuseUnknownParam, type Query } from "../requestParams.js";

export type { Query };

/** A query parameter the console cannot use: the page answers 400 naming it. */
export class BadParam extends Error {}

const badParam = (message: string) => new BadParam(message);

/** A parameter the page does not take is a 400 page naming it, as `/report` answers (requestParams.ts). */
export const refuseUnknown = (query: Query, page: string, accepts: readonly string[]) => refuseUnknownParam(query, page, accepts, badParam);

/** A parameter given at most once; empty counts as not given (an empty filter field). */
export const single = (query: Query, name: string) => optionGiven(query, name, badParam);

/** A parameter given at most once, "" kept: a report row's key may be the empty string (an error code, a model). */
export const exactlyAsGiven = (query: Query, name: string) => givenOnce(query, name, badParam);

/** `from`/`to` as `report` reads them: UTC days, both inclusive (`to` ends at the next midnight). */
export function dayRange(query: Query): { from?: string; to?: string; fromSeconds?: number; toBefore?: number } {
  const from = single(query, "from");
  const to = single(query, "to");
  const start = (name: string, day: string) => {
    const seconds = utcDayStart(day);
    if (seconds === null) throw new BadParam(`'${name}' must be a UTC date YYYY-MM-DD, got ${JSON.stringify(day)}`);
    return seconds;
  };
  const range = {
    ...(from === undefined ? {} : { from, fromSeconds: start("from", from) }),
    ...(to === undefined ? {} : { to, toBefore: start("to", to) + DAY_SECONDS }),
  };
  const reversed = reversedDayRange(from, to);
  if (reversed) throw new BadParam(reversed);
  return range;
}

/**
 * A keyset cursor in a URL: `<created_at>.<id>`, the last row of the page before. The time is one a record's
 * `created_at` can be, a safe integer (as records/ validates it): past bigint PostgreSQL failed where SQLite compared.
 */
export function parseCursor(query: Query, name = "before"): { createdAt: number; id: string } | undefined {
  const text = single(query, name);
  if (text === undefined) return undefined;
  const match = /^(-?\d+)\.(.+)$/s.exec(text); // `s`: an id may hold a line break (U+000A, U+2028, …)
  const createdAt = Number(match?.[1]);
  if (!match || !Number.isSafeInteger(createdAt)) {
    throw new BadParam(`'${name}' must be <created_at>.<id> (a time within ±(2^53-1) s), as the next-page link gives it`);
  }
  return { createdAt, id: match[2]! };
}

export const cursorText = (row: { created_at: number | null; id: string }) => `${row.created_at}.${row.id}`;
