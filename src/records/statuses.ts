/** The API's step and run statuses and step types (CONTRACT §1), apart from the schemas so the CLI's options name them without loading zod. */
export const STEP_STATUSES = ["in_progress", "cancelled", "failed", "completed", "expired"] as const;
export const STEP_TYPES = ["message_creation", "tool_calls"] as const;
export const RUN_STATUSES = [
  "queued", "in_progress", "requires_action", "cancelling", "cancelled",
  "failed", "completed", "incomplete", "expired",
] as const;
