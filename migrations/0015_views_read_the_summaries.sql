DROP VIEW `stats_by_assistant`;--> statement-breakpoint
DROP VIEW `stats_by_day`;--> statement-breakpoint
DROP VIEW `stats_by_error`;--> statement-breakpoint
DROP VIEW `stats_by_hour`;--> statement-breakpoint
DROP VIEW `stats_by_model`;--> statement-breakpoint
DROP VIEW `stats_by_tool`;--> statement-breakpoint
DROP VIEW `stats_by_type`;--> statement-breakpoint
CREATE VIEW `stats_by_assistant` AS SELECT r.key AS assistant_id, r.steps, r.completed, r.failed, r.cancelled, r.expired, r.in_progress,
  CASE WHEN r.completed + r.failed + r.cancelled + r.expired = 0 THEN NULL ELSE CAST(r.failed AS DOUBLE PRECISION) / (r.completed + r.failed + r.cancelled + r.expired) END AS failure_rate, CASE WHEN r.timed_steps = 0 THEN NULL ELSE CAST(r.timed_seconds AS DOUBLE PRECISION) / (r.timed_steps) END AS avg_completion_seconds,
  r.p50_completion_seconds, r.p95_completion_seconds, r.prompt_tokens, r.completion_tokens, r.total_tokens
FROM step_summaries r WHERE r.dimension = 'assistant' ORDER BY r.key;--> statement-breakpoint
CREATE VIEW `stats_by_day` AS SELECT r.key AS day, r.steps, r.completed, r.failed, r.cancelled, r.expired, r.in_progress,
  CASE WHEN r.completed + r.failed + r.cancelled + r.expired = 0 THEN NULL ELSE CAST(r.failed AS DOUBLE PRECISION) / (r.completed + r.failed + r.cancelled + r.expired) END AS failure_rate, CASE WHEN r.timed_steps = 0 THEN NULL ELSE CAST(r.timed_seconds AS DOUBLE PRECISION) / (r.timed_steps) END AS avg_completion_seconds,
  r.p50_completion_seconds, r.p95_completion_seconds, r.prompt_tokens, r.completion_tokens, r.total_tokens
FROM step_summaries r WHERE r.dimension = 'day' ORDER BY r.key;--> statement-breakpoint
CREATE VIEW `stats_by_error` AS SELECT r.key AS error_code, r.steps, r.completed, r.failed, r.cancelled, r.expired, r.in_progress,
  CASE WHEN r.completed + r.failed + r.cancelled + r.expired = 0 THEN NULL ELSE CAST(r.failed AS DOUBLE PRECISION) / (r.completed + r.failed + r.cancelled + r.expired) END AS failure_rate, CASE WHEN r.timed_steps = 0 THEN NULL ELSE CAST(r.timed_seconds AS DOUBLE PRECISION) / (r.timed_steps) END AS avg_completion_seconds,
  r.p50_completion_seconds, r.p95_completion_seconds, r.prompt_tokens, r.completion_tokens, r.total_tokens
FROM step_summaries r WHERE r.dimension = 'error' ORDER BY r.key;--> statement-breakpoint
CREATE VIEW `stats_by_hour` AS SELECT r.key AS hour, r.steps, r.completed, r.failed, r.cancelled, r.expired, r.in_progress,
  CASE WHEN r.completed + r.failed + r.cancelled + r.expired = 0 THEN NULL ELSE CAST(r.failed AS DOUBLE PRECISION) / (r.completed + r.failed + r.cancelled + r.expired) END AS failure_rate, CASE WHEN r.timed_steps = 0 THEN NULL ELSE CAST(r.timed_seconds AS DOUBLE PRECISION) / (r.timed_steps) END AS avg_completion_seconds,
  r.p50_completion_seconds, r.p95_completion_seconds, r.prompt_tokens, r.completion_tokens, r.total_tokens
FROM step_summaries r WHERE r.dimension = 'hour' ORDER BY r.key;--> statement-breakpoint
CREATE VIEW `stats_by_model` AS SELECT r.key AS model, r.steps, r.completed, r.failed, r.cancelled, r.expired, r.in_progress,
  CASE WHEN r.completed + r.failed + r.cancelled + r.expired = 0 THEN NULL ELSE CAST(r.failed AS DOUBLE PRECISION) / (r.completed + r.failed + r.cancelled + r.expired) END AS failure_rate, CASE WHEN r.timed_steps = 0 THEN NULL ELSE CAST(r.timed_seconds AS DOUBLE PRECISION) / (r.timed_steps) END AS avg_completion_seconds,
  r.p50_completion_seconds, r.p95_completion_seconds, r.prompt_tokens, r.completion_tokens, r.total_tokens
FROM step_summaries r WHERE r.dimension = 'model' ORDER BY r.key;--> statement-breakpoint
CREATE VIEW `stats_by_tool` AS SELECT r.key AS tool, r.steps, r.completed, r.failed, r.cancelled, r.expired, r.in_progress,
  CASE WHEN r.completed + r.failed + r.cancelled + r.expired = 0 THEN NULL ELSE CAST(r.failed AS DOUBLE PRECISION) / (r.completed + r.failed + r.cancelled + r.expired) END AS failure_rate, CASE WHEN r.timed_steps = 0 THEN NULL ELSE CAST(r.timed_seconds AS DOUBLE PRECISION) / (r.timed_steps) END AS avg_completion_seconds,
  r.p50_completion_seconds, r.p95_completion_seconds, r.prompt_tokens, r.completion_tokens, r.total_tokens
FROM step_summaries r WHERE r.dimension = 'tool' ORDER BY r.key;--> statement-breakpoint
CREATE VIEW `stats_by_type` AS SELECT r.key AS type, r.steps, r.completed, r.failed, r.cancelled, r.expired, r.in_progress,
  CASE WHEN r.completed + r.failed + r.cancelled + r.expired = 0 THEN NULL ELSE CAST(r.failed AS DOUBLE PRECISION) / (r.completed + r.failed + r.cancelled + r.expired) END AS failure_rate, CASE WHEN r.timed_steps = 0 THEN NULL ELSE CAST(r.timed_seconds AS DOUBLE PRECISION) / (r.timed_steps) END AS avg_completion_seconds,
  r.p50_completion_seconds, r.p95_completion_seconds, r.prompt_tokens, r.completion_tokens, r.total_tokens
FROM step_summaries r WHERE r.dimension = 'type' ORDER BY r.key;