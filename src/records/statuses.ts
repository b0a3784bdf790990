/** The API's step and run statuses and step types (CONTRACT §1), apart from the schemas so the CLI's options name them without loading zod. */
export const STEP_STATUSES = ["in_progress", "cancelled", "failed", "completed", "expired"] as const;
export const STEP_TYPES = ["message_creation", "tool_calls"] as const;
export const RUN_STATUSES = [
  "queued", "in_progress", "requires_action", "cancelling", "cancelled",
  "failed", "completed", "incomplete", "expired",
] as const;

/** Status rank (CONTRACT §5 rule 2): a snapshot of higher rank replaces the state whole. */
export const STEP_STATUS_RANK: Record<string, number> = { in_progress: 0, completed: 1, failed: 1, cancelled: 1, expired: 1 };

export function isTerminalStep(status: string): boolean {
  return (STEP_STATUS_RANK[status] ?? 0) > 0;
}

/** Run status rank (CONTRACT §6): the higher rank wins, ties to the larger canonical JSON; the finished statuses rank highest. */
export const RUN_STATUS_RANK: Record<string, number> = {
  queued: 0, in_progress: 1, requires_action: 2, cancelling: 3,
  completed: 4, failed: 4, cancelled: 4, expired: 4, incomplete: 4,
} satisfies Record<(typeof RUN_STATUSES)[number], number>;

/** The statuses a run has once it is finished: those of the highest rank. */
export const TERMINAL_RUN_STATUSES = RUN_STATUSES.filter((status) => RUN_STATUS_RANK[status] === Math.max(...Object.values(RUN_STATUS_RANK)));
