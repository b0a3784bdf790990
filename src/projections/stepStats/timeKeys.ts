/**
 * Which `created_at` has a UTC day and hour key (the `day` and `hour` dimensions, CONTRACT §7), written once for
 * JavaScript, SQLite and PostgreSQL: the rollups, the views, the reports, verify and the console read it from here.
 * Any other time, like none, is keyed null.
 */
import type { SqlPort } from "../../store/sqlPort.js";

/**
 * Seconds from 0001-01-01 to 9999-12-31T23:59:59 UTC: the years all three write alike as `YYYY` (SQLite's strftime
 * writes year −1 as `-001`, PostgreSQL's to_char has no year 0 and writes 10000 in five digits). Both ends are
 * whole days, so a step's hour is keyed exactly when its `created_at` is.
 */
/** The seconds of an hour and of a UTC day (no leap seconds in Unix time): the `hour` and `day` keys' spans. */
export const HOUR_SECONDS = 3_600;
export const DAY_SECONDS = 86_400;

const FIRST_KEYED_SECOND = -62_135_596_800;
const LAST_KEYED_SECOND = 253_402_300_799;

export const isKeyedTime = (seconds: number | null): seconds is number => seconds !== null && seconds >= FIRST_KEYED_SECOND && seconds <= LAST_KEYED_SECOND;

/** The day and hour keys of a time: the first 10 and 13 characters of its UTC ISO text; null when it has none. */
export function timeKeys(seconds: number | null): { day: string | null; hour: string | null } {
  const text = isKeyedTime(seconds) ? new Date(seconds * 1000).toISOString() : null;
  return { day: text?.slice(0, 10) ?? null, hour: text?.slice(0, 13) ?? null };
}

/** SQL: the seconds in `column` have a day and hour key (not true for NULL). */
export const keyedTimeSql = (column: string) => `${column} BETWEEN ${FIRST_KEYED_SECOND} AND ${LAST_KEYED_SECOND}`;

/** SQL: the seconds in `column` are keyed null (NULL too). */
export const unkeyedTimeSql = (column: string) => `(${column} IS NULL OR ${column} NOT BETWEEN ${FIRST_KEYED_SECOND} AND ${LAST_KEYED_SECOND})`;

/** Each store's day and hour text of the seconds in a column: the same text within the keyed years. */
const UTC_TEXT: Record<SqlPort["dialect"], { day: string; hour: string }> = {
  sqlite: { day: "strftime('%Y-%m-%d', $, 'unixepoch')", hour: "strftime('%Y-%m-%dT%H', $, 'unixepoch')" },
  postgres: { day: "to_char(to_timestamp($) AT TIME ZONE 'UTC', 'YYYY-MM-DD')", hour: "to_char(to_timestamp($) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24')" },
};

/** SQL: the day and hour keys of the seconds in `column`, NULL outside the keyed years (PostgreSQL's to_timestamp is never reached there). */
export function timeKeysSql(dialect: SqlPort["dialect"], column: string): { day: string; hour: string } {
  const keyed = (text: string) => `CASE WHEN ${keyedTimeSql(column)} THEN ${text.replace("$", column)} END`;
  return { day: keyed(UTC_TEXT[dialect].day), hour: keyed(UTC_TEXT[dialect].hour) };
}
