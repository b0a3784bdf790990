import { describe, expect, it } from "vitest";
import { PROJECTION_NAMES } from "../../src/projections/behind.js";
import { PROJECTIONS } from "../../src/projections/index.js";

describe("projection names", () => {
  // A read (report) checks the log against these names without loading the writers: a projection missing here would go unchecked.
  it("name every projection the store keeps, in the order they are applied", () => {
    expect(Object.values(PROJECTION_NAMES)).toEqual(PROJECTIONS.map((p) => p.name));
  });
});
