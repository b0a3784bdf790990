import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { invalidJson } from "../../src/records/invalidJson.js";
import { syntaxErrorOffset } from "../../src/records/jsonSyntax.js";

function reasonFor(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return invalidJson(error, text, "f.jsonl:1").reason;
  }
  throw new Error(`${text} parsed`);
}

describe("a line that is not JSON is rejected with where it breaks", () => {
  it.each([
    ['{"a": }', "invalid JSON: Unexpected token } at column 7"],
    ['{"a":nul}', "invalid JSON: Unexpected token } at column 9"],
    ["[1,]", "invalid JSON: Unexpected token ] at column 4"],
    ['{"a" 1}', "invalid JSON: Expected ':' after property name at column 6"],
    ['{"id":"step_1","object":"thread.run.step","created_at":', "invalid JSON: Unexpected end of JSON input at column 56"],
    ['{\n  "status": }', "invalid JSON: Unexpected token } at line 2, column 13"],
  ])("given %s, the reason is %s", (text, reason) => {
    expect(reasonFor(text)).toBe(reason);
  });

  it("given a long line V8 echoes cut short, the reason still names the column and not the text", () => {
    const text = `{"id":"step_1","instructions":"${"x".repeat(200)}","status": }`;
    expect(reasonFor(text)).toBe(`invalid JSON: Unexpected token } at column ${text.length}`);
  });

  it("finds no error in valid JSON, and where V8 names an unexpected token without its place, finds that token", () => {
    fc.assert(
      fc.property(fc.json(), fc.nat(), fc.constantFrom("}", "]", ",", ":", "x", "} ", ",]"), (json, cut, junk) => {
        expect(syntaxErrorOffset(json)).toBeNull();
        const broken = json.slice(0, cut % (json.length + 1)) + junk;
        let message = "";
        try {
          JSON.parse(broken);
        } catch (error) {
          message = (error as Error).message;
        }
        const token = /^Unexpected token '(.)'/.exec(message);
        if (token) expect(broken[syntaxErrorOffset(broken)!]).toBe(token[1]);
      }),
      { numRuns: 1000 },
    );
  });
});
