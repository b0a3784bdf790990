/**
 * Which `created_at` has a UTC day and hour key (the `day` and `hour` dimensions, CONTRACT §7), written once for
 * JavaScript, SQLite and PostgreSQL: the rollups, the views, the reports, verify and the console read it from here.
 * Any other time, like none, is keyed null.
 */
import { FIRST_SECOND, isCalendarTime, LAST_SECOND } from "../../records/times.js";
import type { SqlPort } from "../../store/sqlPort.js";

/** The seconds of an hour and of a UTC day (no leap seconds in Unix time): the `hour` and `day` keys' spans. */
export const HOUR_SECONDS = 3_600;
export const DAY_SECONDS = 86_400;

/**
 * The times with a key are those a record may hold (records/times.ts: years 1 to 9999, which all three write alike as
 * `YYYY`); a store that took other times before they were refused (2026-12-05) keys them null. Both ends are whole
 * days, so a step's hour is keyed exactly when its `created_at` is.
 */
export const isKeyedTime = (seconds: number | null): seconds is number => seconds !== null && isCalendarTime(seconds);

/** The day and hour keys of a time: the first 10 and 13 characters of its UTC ISO text; null when it has none. */
export function timeKeys(seconds: number | null): { day: string | null; hour: string | null } {
  const text = isKeyedTime(seconds) ? new Date(seconds * 1000).toISOString() : null;
  return { day: text?.slice(0, 10) ?? null, hour: text?.slice(0, 13) ?? null };
}

/** SQL: the seconds in `column` have a day and hour key (not true for NULL). */
export const keyedTimeSql = (column: string) => `${column} BETWEEN ${FIRST_SECOND} AND ${LAST_SECOND}`;

/** SQL: the seconds in `column` are keyed null (NULL too). */
export const unkeyedTimeSql = (column: string) => `(${column} IS NULL OR ${column} NOT BETWEEN ${FIRST_SECOND} AND ${LAST_SECOND})`;

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
