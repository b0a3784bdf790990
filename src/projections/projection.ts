import type { LogEvent } from "../records/events.js";
import type { SqlPort } from "../store/sqlPort.js";

/** A read model kept current by the log: it folds each batch's new events into its tables, inside the batch's transaction. */
export interface Projection {
  /** Its checkpoint's name. */
  name: string;
  apply(tx: SqlPort, events: readonly LogEvent[]): Promise<void>;
  truncate(tx: SqlPort): Promise<void>;
}
