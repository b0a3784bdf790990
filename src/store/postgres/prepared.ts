import type pg from "pg";
import type { SqlValue } from "../sqlPort.js";
import { numberPlaceholders } from "./placeholders.js";

/** Distinct statements a process names at most, so that no connection keeps more prepared. */
const MAX_NAMED = 500;
/** Longer texts run unnamed: ingest's many-row chunks, whose parsing is small beside writing their rows. */
const MAX_NAMED_LENGTH = 8000;

const named = new Map<string, { name: string; text: string }>();

/**
 * A transaction's statement, prepared by name: each connection parses it once, and the server plans it
 * once it has run a few times (a generic plan), instead of both for every statement of every append. An
 * append's statements repeat: the same texts for the same row counts. Past MAX_NAMED texts, unnamed.
 */
export function preparedQuery(sql: string, values: readonly SqlValue[]): pg.QueryConfig<SqlValue[]> {
  let statement = named.get(sql);
  if (!statement) {
    const text = numberPlaceholders(sql);
    if (sql.length > MAX_NAMED_LENGTH || named.size >= MAX_NAMED) return { text, values: values as SqlValue[] };
    named.set(sql, (statement = { name: `stepstore_${named.size + 1}`, text }));
  }
  return { ...statement, values: values as SqlValue[] };
}
