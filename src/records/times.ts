/**
 * The Unix seconds of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the times a record may hold. No API wrote another
 * (CONTRACT §1: values outside the API's ranges are rejected); every store writes these alike as a day and an hour
 * (SQLite's strftime writes year −1 as `-001`, PostgreSQL's to_char has no year 0 and writes 10000 in five digits);
 * and a step's completion time between two of them, summed over any store's steps, stays far inside the integers
 * SQLite and PostgreSQL add exactly (one step of 2^54 seconds, from −2^53 to 2^53, had broken a PostgreSQL store's
 * rollups for good). Both ends are whole days.
 */
export const FIRST_SECOND = -62_135_596_800;
export const LAST_SECOND = 253_402_300_799;

/** Whether a number is a time a record may hold. */
export const isCalendarTime = (seconds: number): boolean => Number.isInteger(seconds) && seconds >= FIRST_SECOND && seconds <= LAST_SECOND;

/** Why a time is refused, `got` as the record spells it. */
export const calendarTimeProblem = (got: string) => `expected a Unix time from 0001-01-01 to 9999-12-31 UTC (${FIRST_SECOND} to ${LAST_SECOND}), got ${got}`;

/**
 * The most tokens a usage count may hold: 1,000 times the longest context any model the Assistants API served had, and
 * small enough that no store's token sums, over billions of such steps, pass the integers it adds exactly (one step of
 * 2^53−1 tokens had broken a PostgreSQL store's rollups for good).
 */
export const MAX_TOKENS = 2_147_483_647;
