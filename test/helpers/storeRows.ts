import { openStore } from "../../src/openStore.js";
import type { SqlValue } from "../../src/store/sqlPort.js";

/** A query's rows on a store of either kind, opened for reading as the read commands open it. */
export async function storeRows<T = Record<string, unknown>>(location: string, sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
  const store = await openStore(location, { mode: "read" });
  try {
    return await store.sql.all<T>(sql, params);
  } finally {
    await store.close();
  }
}
