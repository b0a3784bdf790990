import { describe, expect, it } from "vitest";
import { numberPlaceholders } from "../../../src/store/postgres/placeholders.js";

describe("numberPlaceholders: portable ? parameters become PostgreSQL's $1, $2, …", () => {
  it("numbers each ? in order", () => {
    expect(numberPlaceholders("INSERT INTO t (a, b, c) VALUES (?, ?, ?) ON CONFLICT (a) DO UPDATE SET b = excluded.b WHERE t.c < ?"))
      .toBe("INSERT INTO t (a, b, c) VALUES ($1, $2, $3) ON CONFLICT (a) DO UPDATE SET b = excluded.b WHERE t.c < $4");
  });

  it.each([
    ["a string literal, quotes doubled", "SELECT 'it''s ?', ? FROM t", "SELECT 'it''s ?', $1 FROM t"],
    ["a quoted identifier", `SELECT "what?" FROM t WHERE x = ?`, `SELECT "what?" FROM t WHERE x = $1`],
    ["an E'' string with a backslash-escaped quote", "SELECT E'a\\'?', ?", "SELECT E'a\\'?', $1"],
    ["a dollar-quoted string", "SELECT $tag$ ? 'x $tag$, ?, $$?$$, ?", "SELECT $tag$ ? 'x $tag$, $1, $$?$$, $2"],
    ["a line comment", "SELECT ? -- why?\n, ?", "SELECT $1 -- why?\n, $2"],
    ["a nested block comment", "SELECT /* a /* ? */ ? */ ?", "SELECT /* a /* ? */ ? */ $1"],
  ])("leaves a ? inside %s alone", (_, sql, expected) => {
    expect(numberPlaceholders(sql)).toBe(expected);
  });

  it("takes a word ending in e before a quote for a word, not an E'' string", () => {
    expect(numberPlaceholders("SELECT 'a\\' = ?")).toBe("SELECT 'a\\' = $1");
    expect(numberPlaceholders("SELECT type'x\\', ?")).toBe("SELECT type'x\\', $1");
  });

  it("leaves SQL without placeholders as it is", () => {
    expect(numberPlaceholders("SELECT count(*) FROM events")).toBe("SELECT count(*) FROM events");
  });
});
