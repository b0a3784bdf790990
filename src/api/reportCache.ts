import type { RenderedReport } from "../analytics/render/index.js";

/** A report as kept: its body encoded once, as a year by hour (4 MB) took ~25 ms a request to measure and encode again. */
export type KeptReport = Omit<RenderedReport, "body"> & { body: Buffer };

/** At most this many bytes of rendered reports are kept (the oldest go first): a year by hour is about 4 MB. */
const REPORT_CACHE_BYTES = 32 * 1024 * 1024;

/**
 * Rendered reports by request, each valid only at the log position it was built at. Reports are read from the log's
 * projections, so while no event is appended the same request has the same answer: a dashboard polling `/v1/stats` is
 * answered without summing again, and a client that sends back the ETag gets 304. The ETag is the position, the
 * store's version (checkpoints.ts: a rebuild by another process keeps the position) and this process's start (another
 * process may price with another table).
 */
export function createReportCache(maxBytes = REPORT_CACHE_BYTES) {
  const started = Date.now().toString(36);
  const entries = new Map<string, KeptReport & { position: string }>();
  let bytes = 0;
  const forget = (request: string) => {
    const entry = entries.get(request);
    if (entry) bytes -= entry.body.length;
    entries.delete(request);
  };
  return {
    etagAt: (position: string) => `"${started}-${position}"`,
    /** `position`: the log's position and the store's version, as one text. */
    get(request: string, position: string): KeptReport | undefined {
      const entry = entries.get(request);
      return entry?.position === position ? entry : undefined;
    },
    set(request: string, position: string, report: RenderedReport): void {
      forget(request);
      const body = Buffer.from(report.body);
      if (body.length > maxBytes) return;
      entries.set(request, { contentType: report.contentType, body, position });
      bytes += body.length;
      for (const oldest of entries.keys()) {
        if (bytes <= maxBytes) break;
        forget(oldest);
      }
    },
  };
}
