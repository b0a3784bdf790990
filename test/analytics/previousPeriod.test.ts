import { describe, expect, it } from "vitest";
import { previousSpan } from "../../src/analytics/render/context.js";
import type { ReportSummary } from "../../src/analytics/report.js";

const filters = (from: string | null, to: string | null) => ({ from, to, assistant: null, model: null });
const summary = (firstDay: string | null, lastDay: string | null, steps = 10) => ({ steps, firstDay, lastDay }) as ReportSummary;

describe("the previous period a day or hour trend is compared with", () => {
  it.each([
    ["--from/--to: the same number of days right before", filters("2025-03-01", "2025-03-31"), summary("2025-03-02", "2025-03-30"), { from: "2025-01-29", to: "2025-02-28", days: 31 }],
    ["no filter: the data's first..last day", filters(null, null), summary("2024-12-31", "2025-01-01"), { from: "2024-12-29", to: "2024-12-30", days: 2 }],
    ["only --from: to the data's last day", filters("2025-02-27", null), summary("2025-02-28", "2025-03-01"), { from: "2025-02-24", to: "2025-02-26", days: 3 }],
    ["one day", filters("2024-03-01", "2024-03-01"), summary("2024-03-01", "2024-03-01"), { from: "2024-02-29", to: "2024-02-29", days: 1 }],
  ])("%s", (_, given, kept, expected) => {
    expect(previousSpan(given, kept)).toEqual(expected);
  });

  it("has none when no step is kept, or it would start before year 0000", () => {
    expect(previousSpan(filters("2025-01-01", "2025-01-31"), summary(null, null, 0))).toBeNull();
    expect(previousSpan(filters("0000-01-01", "0000-01-02"), summary("0000-01-01", "0000-01-02"))).toBeNull();
  });
});
