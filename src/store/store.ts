import type { AppendResult, LateBatch } from "./append.js";
import type { SqlDatabase } from "./sqlPort.js";

/**
 * What the adapters (ingest, api, cli) depend on, whichever database holds the log: appends that
 * resolve once committed, the SQL port the projections' queries read through, and a rebuild.
 */
export interface Store {
  readonly dialect: "sqlite" | "postgres";
  /** Where the store is, as messages show it: a file's absolute path, or a database URL without its password. */
  readonly path: string;
  readonly sql: SqlDatabase;
  append(batch: LateBatch): Promise<AppendResult>;
  /** Truncates every projection and refolds the whole log, in one transaction. */
  rebuild(onProgress?: (folded: number) => void | Promise<void>): Promise<{ events: number; seconds: number }>;
  /** Refolds the log once when a read model is behind it (one a newer release added); null when none is. */
  catchUp(onStart: (behind: readonly string[]) => void): Promise<{ events: number; seconds: number } | null>;
  close(): Promise<void>;
}
