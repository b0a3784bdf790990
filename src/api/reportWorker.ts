import { parentPort, workerData } from "node:worker_threads";
import type { PriceTable } from "../analytics/prices.js";
import type { ReportParams } from "../analytics/report.js";
import { renderReport, type RenderedReport } from "../analytics/render/index.js";
import { openStore } from "../openStore.js";

/**
 * A thread of `serve` that renders reports off its event loop (reportRenderer.ts), on a read-only connection of its
 * own to the service's SQLite store: a filtered report's SQL, which better-sqlite3 runs to its end in one call, and an
 * HTML report's charts no longer hold the service's webhooks and reads meanwhile.
 */
export interface ReportRequest {
  id: number;
  params: ReportParams;
}
export type ReportAnswer = { id: number; report: RenderedReport } | { id: number; error: string };

const { path, prices } = workerData as { path: string; prices: PriceTable };
const store = await openStore(path, { mode: "read" });
const port = parentPort!;
port.on("message", ({ id, params }: ReportRequest) => {
  renderReport(store.sql, params, prices).then(
    (report) => port.postMessage({ id, report } satisfies ReportAnswer),
    (error: unknown) => port.postMessage({ id, error: error instanceof Error ? error.message : String(error) } satisfies ReportAnswer),
  );
});
port.postMessage("ready");
