import { APIUserAbortError, AuthenticationError, OpenAIError, PermissionDeniedError } from "openai";
import { withoutUrlCredentials } from "./records.js";

/** Credentials the server refuses: no other request would fare better, so the poll stops. */
export class PollRefused extends Error {}

/** The SDK's message with its status, and what caused it (`Connection error. (fetch failed: connect ECONNREFUSED …)`). */
function describeError(error: unknown): string {
  const status = (error as { status?: unknown }).status;
  const message = (error as Error).message ?? String(error);
  const causes: string[] = [];
  for (let cause = (error as { cause?: unknown }).cause; cause instanceof Error; cause = cause.cause) causes.push(cause.message);
  const described = typeof status === "number" && !message.startsWith(String(status)) ? `${status} ${message}` : message;
  // fetch refuses a URL with `user:password@` and names the URL whole (`Request cannot be constructed from a URL that includes credentials: …`).
  return withoutUrlCredentials(causes.length > 0 ? `${described} (${causes.join(": ")})` : described);
}

/**
 * Triage of a failed listing: its message, when it is the run's (or thread's) own problem to report.
 * When we were stopped, the credentials were refused, or it is not a request's failure at all (a commit
 * that failed), it throws instead, and every listing in flight is stopped.
 */
export function createTriage(halt: AbortController) {
  return (error: unknown): string => {
    if (error instanceof APIUserAbortError || halt.signal.aborted) throw new APIUserAbortError();
    const refused = error instanceof AuthenticationError || error instanceof PermissionDeniedError;
    if (error instanceof OpenAIError && !refused) return describeError(error);
    halt.abort();
    throw refused ? new PollRefused(describeError(error)) : error;
  };
}

export type Triage = ReturnType<typeof createTriage>;

/** Waits for every task; then throws the first failure, preferring a real one to the aborts it caused. */
export async function settleAll(tasks: readonly Promise<unknown>[]): Promise<void> {
  const failures = (await Promise.allSettled(tasks)).flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
  if (failures.length > 0) throw failures.find((e) => !(e instanceof APIUserAbortError)) ?? failures[0];
}
