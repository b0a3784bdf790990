import { sql } from "drizzle-orm";
import { getTableConfig as pgTableConfig } from "drizzle-orm/pg-core";
import { blob, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { derivePgTables } from "../../../src/store/postgres/pgTables.js";

describe("PostgreSQL tables derived from SQLite declarations", () => {
  const log = sqliteTable(
    "log",
    { position: integer("position").primaryKey(), key: text("key").notNull().unique(), score: real("score"), count: integer("count").notNull() },
    (t) => [index("log_score").on(t.score, t.position), uniqueIndex("log_count_key").on(t.count, t.key)],
  );
  const pairs = sqliteTable("pairs", { a: text("a").notNull(), b: integer("b").notNull() }, (t) => [primaryKey({ columns: [t.a, t.b] })]);

  it("maps each column's type (text compared by code point, COLLATE \"C\"), NOT NULL and UNIQUE, and makes an INTEGER PRIMARY KEY a bigserial", () => {
    const { log: derived } = derivePgTables({ log });
    const config = pgTableConfig(derived);
    expect(config.name).toBe("log");
    expect(config.columns.map((c) => [c.name, c.getSQLType(), c.notNull, c.primary, c.isUnique])).toEqual([
      ["position", "bigserial", true, true, false],
      ["key", 'text COLLATE "C"', true, false, true],
      ["score", "double precision", false, false, false],
      ["count", "bigint", true, false, false],
    ]);
  });

  it("carries a number or text default", () => {
    const counters = sqliteTable("counters", { id: text("id").primaryKey().default("none"), n: integer("n").notNull().default(0) });
    const config = pgTableConfig(derivePgTables({ counters }).counters);
    expect(config.columns.map((c) => [c.name, c.getSQLType(), c.hasDefault, c.default])).toEqual([["id", 'text COLLATE "C"', true, "none"], ["n", "bigint", true, 0]]);
  });

  it("carries indexes (unique or not, columns in order) and composite primary keys", () => {
    const { log: derivedLog, pairs: derivedPairs } = derivePgTables({ log, pairs });
    const indexes = pgTableConfig(derivedLog).indexes.map((ix) => [ix.config.name, ix.config.unique, ix.config.columns.map((c) => (c as { name: string }).name)]);
    expect(indexes).toEqual([
      ["log_score", false, ["score", "position"]],
      ["log_count_key", true, ["count", "key"]],
    ]);
    expect(pgTableConfig(derivedPairs).primaryKeys.map((key) => key.columns.map((c) => c.name))).toEqual([["a", "b"]]);
  });

  it("refuses what it cannot carry over instead of leaving it out", () => {
    const withBlob = sqliteTable("files", { id: text("id").primaryKey(), body: blob("body") });
    expect(() => derivePgTables({ withBlob })).toThrow("files.body: no PostgreSQL type for SQLiteBlobBuffer");
    const computed = sqliteTable("counters", { id: text("id").primaryKey(), at: integer("at").default(sql`(unixepoch())`) });
    expect(() => derivePgTables({ computed })).toThrow("counters.at: only a number or text default is derived for PostgreSQL");
    const partial = sqliteTable("p", { id: text("id").primaryKey(), n: integer("n") }, (t) => [index("p_n").on(t.n).where(sql`n > 0`)]);
    expect(() => derivePgTables({ partial })).toThrow("p_n: a partial index is not derived for PostgreSQL");
  });
});
