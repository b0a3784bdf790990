/**
 * Which `created_at` has a UTC day and hour key (the `day` and `hour` dimensions, CONTRACT §7), written once: the
 * rollups, the reports and the console read it from here. Any other time, like none, is keyed null.
 */

/** Seconds from 0000-01-01 to 9999-12-31T23:59:59 UTC: the years SQLite's strftime writes (outside them it gives NULL). */
export const FIRST_KEYED_SECOND = -62_167_219_200;
export const LAST_KEYED_SECOND = 253_402_300_799;

export const isKeyedTime = (seconds: number | null): seconds is number => seconds !== null && seconds >= FIRST_KEYED_SECOND && seconds <= LAST_KEYED_SECOND;

/** The time in UTC as ISO text, whose first 10 and 13 characters are its day and hour keys; null when it has none. */
export const utcText = (seconds: number | null): string | null => (isKeyedTime(seconds) ? new Date(seconds * 1000).toISOString() : null);

export const DAY_KEY_LENGTH = 10;
export const HOUR_KEY_LENGTH = 13;
export const dayKey = (seconds: number | null) => utcText(seconds)?.slice(0, DAY_KEY_LENGTH) ?? null;

/** SQL: the seconds in `column` have a day and hour key (not true for NULL). */
export const keyedTimeSql = (column: string) => `${column} BETWEEN ${FIRST_KEYED_SECOND} AND ${LAST_KEYED_SECOND}`;
