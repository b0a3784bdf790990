import type { Database } from "better-sqlite3";
import type { SqlPort } from "../sqlPort.js";
import { isStoreBusy } from "../storeErrors.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A write transaction asked for now: the turn that runs `fn` between BEGIN IMMEDIATE and COMMIT (ROLLBACK where it
 * throws), its wait for the write lock counted from the asking.
 */
export type WriteTransaction = <T>(fn: (tx: SqlPort) => Promise<T>) => () => Promise<T>;

/**
 * Write transactions on `sqlite`, each holding the connection (`hold`'s release is called once it has ended) from the
 * moment BEGIN succeeds. A transaction waiting for another process's write lock (a rebuild) waits off the event loop,
 * where SQLite's busy timeout would block it: the service keeps answering reads and its connections meanwhile.
 * `rolledBack` is told of each rollback (what a writer held of its rows is then stale).
 */
export function writeTransactions(sqlite: Database, port: SqlPort, hold: () => () => void, rolledBack: () => void): WriteTransaction {
  const begin = sqlite.prepare("BEGIN IMMEDIATE");
  const commit = sqlite.prepare("COMMIT");
  const rollback = sqlite.prepare("ROLLBACK");
  const busyTimeout = Number(sqlite.pragma("busy_timeout", { simple: true }));
  // Run anew each time: SQLite sets this pragma when the statement is prepared, so a prepared one run again does nothing.
  const setBusyTimeout = (ms: number) => sqlite.pragma(`busy_timeout = ${ms}`);

  /**
   * BEGIN IMMEDIATE, retried with growing pauses while another process holds the write lock, until `deadline` (a
   * transaction that waited behind others does not get the whole busy timeout again). The connection is held as BEGIN
   * succeeds, before anything else can run: no other call slips into the transaction.
   */
  const beginHolding = async (deadline: number): Promise<() => void> => {
    for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
      setBusyTimeout(0);
      try {
        begin.run();
        return hold();
      } catch (error) {
        if (!isStoreBusy(error) || performance.now() >= deadline) throw error;
      } finally {
        setBusyTimeout(busyTimeout);
      }
      await sleep(pause);
    }
  };

  return (fn) => {
    const deadline = performance.now() + busyTimeout;
    return async () => {
      const release = await beginHolding(deadline);
      try {
        const result = await fn(port);
        commit.run();
        return result;
      } catch (error) {
        rolledBack();
        if (sqlite.inTransaction) rollback.run();
        throw error;
      } finally {
        release();
      }
    };
  };
}
