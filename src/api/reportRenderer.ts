import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { PriceTable } from "../analytics/prices.js";
import type { ReportParams } from "../analytics/report.js";
import { renderReport, type RenderedReport } from "../analytics/render/index.js";
import type { Store } from "../store/store.js";
import type { ReportAnswer } from "./reportWorker.js";

/** Renders the reports `/v1/stats` and `/report` answer; `close` ends what it started. */
export interface ReportRenderer {
  render(params: ReportParams): Promise<RenderedReport>;
  close(): Promise<void>;
}

const WORKER = fileURLToPath(new URL("./reportWorker.js", import.meta.url));

/**
 * On SQLite, reports are rendered in a thread of their own (reportWorker.ts), started at the first: an audit's filtered
 * reports (0.4 s of SQL at 300,000 steps) and HTML charts (~2 s) on the service's loop had held webhooks up to 10.9 s.
 * PostgreSQL's queries do not hold the loop; there, and where the worker's compiled file is absent (tests running the
 * TypeScript sources), reports are rendered in the service's own thread.
 */
export function createReportRenderer(store: Store, prices: PriceTable): ReportRenderer {
  if (store.dialect !== "sqlite" || !existsSync(WORKER)) {
    return { render: (params) => renderReport(store.sql, params, prices), close: async () => {} };
  }
  let worker: { thread: Worker; ready: Promise<void> } | null = null;
  const waiting = new Map<number, { resolve(report: RenderedReport): void; reject(error: Error): void }>();
  let nextId = 0;
  const started = () => {
    if (worker) return worker;
    const thread = new Worker(WORKER, { workerData: { path: store.path, prices } });
    thread.unref();
    /** The thread failed or ended: what it was asked fails with it, and the next report starts another. */
    const failAll = (error: Error) => {
      for (const w of waiting.values()) w.reject(error);
      waiting.clear();
      if (worker?.thread === thread) worker = null;
    };
    const ready = new Promise<void>((resolve, reject) => {
      thread.on("message", (message: ReportAnswer | "ready") => {
        if (message === "ready") return resolve();
        const asked = waiting.get(message.id);
        waiting.delete(message.id);
        if ("error" in message) asked?.reject(new Error(message.error));
        else asked?.resolve(message.report);
      });
      thread.on("error", (error) => (reject(error), failAll(error)));
      thread.on("exit", (code) => failAll(new Error(`the report thread ended (exit ${code})`)));
    });
    return (worker = { thread, ready });
  };
  return {
    async render(params) {
      const { thread, ready } = started();
      await ready;
      const id = nextId++;
      return new Promise<RenderedReport>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        thread.postMessage({ id, params });
      });
    },
    close: async () => {
      const running = worker;
      worker = null;
      await running?.thread.terminate();
    },
  };
}
