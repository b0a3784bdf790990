import { describe, expect, it } from "vitest";
import { costFigures } from "../../src/analytics/render/charts.js";

describe("costFigures: how the HTML report shows costs", () => {
  it("given a cost of a dollar or more among them, when shown, then every cost is to the cent with thousands grouped", () => {
    const figures = costFigures([1301.1311, 78.0481, 0.00012, null]);
    expect([1301.1311, 78.0481, 0.00012, 0].map(figures.text)).toEqual(["$1,301.13", "$78.05", "$0.00", "$0.00"]);
    expect(figures.d3).toBe("$,.2f");
  });

  it("given only costs under a dollar, when shown, then each keeps up to four decimals, its trailing zeros dropped", () => {
    const figures = costFigures([0.078, 0.00012345, null]);
    expect([0.078, 0.00012345, 0].map(figures.text)).toEqual(["$0.078", "$0.0001", "$0"]);
    expect(figures.d3).toBe("$,.4~f");
  });
});
