import { expect } from "vitest";
import { projectionRunner, type Projection } from "../../src/projections/projection.js";
import { recordsOf } from "../../src/records/classify.js";
import { createEventKeyer } from "../../src/records/eventKey.js";
import { createAppender, type KeyedRecord } from "../../src/store/append.js";
import type { SqlPort } from "../../src/store/sqlPort.js";
import { emptySpecDatabase } from "../helpers/storeUnderTest.js";

type Json = Record<string, unknown>;

/** What a spec reads back: the rows a user would see, by a query on the projection's tables. */
export type RowsOf = (sql: SqlPort) => Promise<unknown[]>;

/** Records as a file would hold them, classified and keyed as ingest keys them (one document). */
export function keyed(records: readonly Json[], keyOf: ReturnType<typeof createEventKeyer>, from: number): KeyedRecord[] {
  return records.flatMap((value, i) =>
    [...recordsOf(value, JSON.stringify(value), `spec:${from + i + 1}`)].map((record) => {
      if (!record.ok) throw new Error(`a spec record was rejected: ${record.path}: ${record.reason}`);
      return { record, key: keyOf.key(record) };
    }));
}

/**
 * An Emmett-style projection spec on an empty store (SQLite in memory; in the PostgreSQL half, a database emptied): `given` events already in the log (one
 * batch each), `when` these arrive (one batch), `then` the rows read are these. The `when` batch is
 * then delivered a second time: the log takes none of it again and the rows stay as they were.
 */
export function projectionSpec(projection: Projection) {
  return {
    given: (...history: Json[][]) => ({
      when: (...records: Json[]) => ({
        async then(rowsOf: RowsOf, expected: unknown[]): Promise<void> {
          const sql = await emptySpecDatabase();
          const append = createAppender(sql, projectionRunner([projection]));
          const keyOf = createEventKeyer("projection-spec");
          try {
            let count = 0;
            for (const batch of history) {
              await append({ source: "file", accepted: keyed(batch, keyOf, count), rejected: [] });
              count += batch.length;
            }
            const arriving = keyed(records, keyOf, count);
            await append({ source: "file", accepted: arriving, rejected: [] });
            expect(await rowsOf(sql)).toEqual(expected);
            const again = await append({ source: "file", accepted: arriving, rejected: [] });
            expect(again.appended, "a redelivery appends nothing").toBe(0);
            expect(await rowsOf(sql), "the rows after a redelivery").toEqual(expected);
          } finally {
            await sql.close();
          }
        },
      }),
    }),
  };
}
