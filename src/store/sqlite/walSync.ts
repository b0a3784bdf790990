import { open, type FileHandle } from "node:fs/promises";

/**
 * Commits made durable off the event loop. With `synchronous = FULL` SQLite syncs the WAL inside COMMIT, and that
 * sync held the event loop for a third of a loaded server's time (no request parsed, no signature checked meanwhile).
 * With `synchronous = NORMAL` COMMIT only writes the WAL; this syncs it on libuv's thread pool, and a transaction is
 * answered once a sync that began after its COMMIT has ended: what is acknowledged is on disk, as under FULL (SQLite
 * itself syncs the WAL before each checkpoint and the database after). A sync serves every commit made before it began,
 * so commits arriving while one runs share the next.
 */
export interface WalSync {
  /** Called right after a COMMIT: that commit's number, to wait on. */
  committed(): number;
  /** Resolves once commit `n` is on disk; fails with the sync's error (the commit is then not known to be durable). */
  durable(n: number): Promise<void>;
  close(): Promise<void>;
}

/** `fdatasync` of the store's `-wal` file, opened at the first sync (SQLite makes it at the first write). */
export function walFileSync(walPath: string): { flush(): Promise<void>; close(): Promise<void> } {
  let file: Promise<FileHandle> | null = null;
  return {
    async flush() {
      file ??= open(walPath, "r");
      await (await file).datasync();
    },
    async close() {
      await (await file?.catch(() => null))?.close();
    },
  };
}

export function walSync(flusher: { flush(): Promise<void>; close(): Promise<void> }): WalSync {
  let commits = 0;
  let synced = 0;
  let syncing: Promise<void> | null = null;
  const syncAll = async () => {
    const upTo = commits;
    try {
      await flusher.flush();
      synced = Math.max(synced, upTo);
    } finally {
      syncing = null;
    }
  };
  return {
    committed: () => ++commits,
    async durable(n) {
      while (synced < n) await (syncing ??= syncAll());
    },
    close: () => flusher.close(),
  };
}
