CREATE TABLE "checkpoints" (
	"name" text PRIMARY KEY NOT NULL,
	"position" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "events" (
	"position" bigserial PRIMARY KEY NOT NULL,
	"event_key" text NOT NULL,
	"type" text NOT NULL,
	"step_id" text,
	"run_id" text,
	"thread_id" text,
	"source" text NOT NULL,
	"origin" text NOT NULL,
	"received_at" text NOT NULL,
	"data" text NOT NULL,
	CONSTRAINT "events_event_key_unique" UNIQUE("event_key")
);
--> statement-breakpoint
CREATE TABLE "rejections" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"received_at" text NOT NULL,
	"source" text NOT NULL,
	"origin" text NOT NULL,
	"reason" text NOT NULL,
	"path" text,
	"raw" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "run_expiries" (
	"run_id" text PRIMARY KEY NOT NULL,
	"expires_at" bigint,
	"envelope_created_at" bigint,
	"position" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "run_step_folds" (
	"step_id" text PRIMARY KEY NOT NULL,
	"state" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "run_step_tools" (
	"step_id" text NOT NULL,
	"tool" text NOT NULL,
	CONSTRAINT "run_step_tools_step_id_tool_pk" PRIMARY KEY("step_id","tool")
);
--> statement-breakpoint
CREATE TABLE "run_steps" (
	"id" text PRIMARY KEY NOT NULL,
	"object" text,
	"created_at" bigint,
	"assistant_id" text,
	"thread_id" text,
	"run_id" text,
	"type" text,
	"status" text,
	"step_details" text,
	"last_error" text,
	"expired_at" bigint,
	"cancelled_at" bigint,
	"failed_at" bigint,
	"completed_at" bigint,
	"metadata" text,
	"usage" text,
	"last_error_code" text,
	"prompt_tokens" bigint,
	"completion_tokens" bigint,
	"total_tokens" bigint,
	"completion_seconds" bigint,
	"data" text,
	"position" bigint
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" text PRIMARY KEY NOT NULL,
	"thread_id" text,
	"assistant_id" text,
	"status" text,
	"model" text,
	"created_at" bigint,
	"started_at" bigint,
	"expires_at" bigint,
	"completed_at" bigint,
	"failed_at" bigint,
	"cancelled_at" bigint,
	"data" text
);
--> statement-breakpoint
CREATE INDEX "events_step_position" ON "events" USING btree ("step_id","position");--> statement-breakpoint
CREATE INDEX "events_run_position" ON "events" USING btree ("run_id","position");--> statement-breakpoint
CREATE INDEX "run_step_tools_tool" ON "run_step_tools" USING btree ("tool");--> statement-breakpoint
CREATE INDEX "run_steps_run_order" ON "run_steps" USING btree ("thread_id","run_id","created_at","id");--> statement-breakpoint
CREATE INDEX "run_steps_order" ON "run_steps" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "run_steps_status" ON "run_steps" USING btree ("status");--> statement-breakpoint
CREATE INDEX "run_steps_position" ON "run_steps" USING btree ("position");--> statement-breakpoint
CREATE INDEX "run_steps_stats" ON "run_steps" USING btree ("assistant_id","created_at","type","status","completion_seconds","last_error_code","prompt_tokens","completion_tokens","total_tokens","id");--> statement-breakpoint
CREATE INDEX "runs_thread" ON "runs" USING btree ("thread_id");--> statement-breakpoint
CREATE INDEX "runs_status" ON "runs" USING btree ("status");--> statement-breakpoint
CREATE VIEW "public"."stats_by_assistant" AS (SELECT k AS assistant_id, count(*) AS steps,
  sum((status = 'completed')::int) AS completed, sum((status = 'failed')::int) AS failed,
  sum((status = 'cancelled')::int) AS cancelled, sum((status = 'expired')::int) AS expired,
  sum((status = 'in_progress')::int) AS in_progress,
  CASE WHEN sum((status IN ('completed', 'failed', 'cancelled', 'expired'))::int) = 0 THEN NULL ELSE sum((status = 'failed')::int)::double precision / sum((status IN ('completed', 'failed', 'cancelled', 'expired'))::int) END AS failure_rate,
  (sum(seconds) FILTER (WHERE status = 'completed'))::double precision / count(seconds) FILTER (WHERE status = 'completed') AS avg_completion_seconds,
  percentile_disc(0.5) WITHIN GROUP (ORDER BY seconds) FILTER (WHERE status = 'completed') AS p50_completion_seconds,
  percentile_disc(0.95) WITHIN GROUP (ORDER BY seconds) FILTER (WHERE status = 'completed') AS p95_completion_seconds,
  sum(coalesce(prompt_tokens, 0))::bigint AS prompt_tokens, sum(coalesce(completion_tokens, 0))::bigint AS completion_tokens,
  sum(coalesce(total_tokens, 0))::bigint AS total_tokens
FROM (
  SELECT s.assistant_id AS k, s.status AS status, s.completion_seconds AS seconds,
    s.prompt_tokens AS prompt_tokens, s.completion_tokens AS completion_tokens, s.total_tokens AS total_tokens
  FROM run_steps s
) tagged
GROUP BY k
ORDER BY k COLLATE "C" NULLS FIRST);--> statement-breakpoint
CREATE VIEW "public"."stats_by_day" AS (SELECT k AS day, count(*) AS steps,
  sum((status = 'completed')::int) AS completed, sum((status = 'failed')::int) AS failed,
  sum((status = 'cancelled')::int) AS cancelled, sum((status = 'expired')::int) AS expired,
  sum((status = 'in_progress')::int) AS in_progress,
  CASE WHEN sum((status IN ('completed', 'failed', 'cancelled', 'expired'))::int) = 0 THEN NULL ELSE sum((status = 'failed')::int)::double precision / sum((status IN ('completed', 'failed', 'cancelled', 'expired'))::int) END AS failure_rate,
  (sum(seconds) FILTER (WHERE status = 'completed'))::double precision / count(seconds) FILTER (WHERE status = 'completed') AS avg_completion_seconds,
  percentile_disc(0.5) WITHIN GROUP (ORDER BY seconds) FILTER (WHERE status = 'completed') AS p50_completion_seconds,
  percentile_disc(0.95) WITHIN GROUP (ORDER BY seconds) FILTER (WHERE status = 'completed') AS p95_completion_seconds,
  sum(coalesce(prompt_tokens, 0))::bigint AS prompt_tokens, sum(coalesce(completion_tokens, 0))::bigint AS completion_tokens,
  sum(coalesce(total_tokens, 0))::bigint AS total_tokens
FROM (
  SELECT to_char(to_timestamp(s.created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS k, s.status AS status, s.completion_seconds AS seconds,
    s.prompt_tokens AS prompt_tokens, s.completion_tokens AS completion_tokens, s.total_tokens AS total_tokens
  FROM run_steps s
) tagged
GROUP BY k
ORDER BY k COLLATE "C" NULLS FIRST);--> statement-breakpoint
CREATE VIEW "public"."stats_by_error" AS (SELECT k AS error_code, count(*) AS steps,
  sum((status = 'completed')::int) AS completed, sum((status = 'failed')::int) AS failed,
  sum((status = 'cancelled')::int) AS cancelled, sum((status = 'expired')::int) AS expired,
  sum((status = 'in_progress')::int) AS in_progress,
  CASE WHEN sum((status IN ('completed', 'failed', 'cancelled', 'expired'))::int) = 0 THEN NULL ELSE sum((status = 'failed')::int)::double precision / sum((status IN ('completed', 'failed', 'cancelled', 'expired'))::int) END AS failure_rate,
  (sum(seconds) FILTER (WHERE status = 'completed'))::double precision / count(seconds) FILTER (WHERE status = 'completed') AS avg_completion_seconds,
  percentile_disc(0.5) WITHIN GROUP (ORDER BY seconds) FILTER (WHERE status = 'completed') AS p50_completion_seconds,
  percentile_disc(0.95) WITHIN GROUP (ORDER BY seconds) FILTER (WHERE status = 'completed') AS p95_completion_seconds,
  sum(coalesce(prompt_tokens, 0))::bigint AS prompt_tokens, sum(coalesce(completion_tokens, 0))::bigint AS completion_tokens,
  sum(coalesce(total_tokens, 0))::bigint AS total_tokens
FROM (
  SELECT s.last_error_code AS k, s.status AS status, s.completion_seconds AS seconds,
    s.prompt_tokens AS prompt_tokens, s.completion_tokens AS completion_tokens, s.total_tokens AS total_tokens
  FROM run_steps s WHERE s.last_error_code IS NOT NULL
) tagged
GROUP BY k
ORDER BY k COLLATE "C" NULLS FIRST);--> statement-breakpoint
CREATE VIEW "public"."stats_by_tool" AS (SELECT k AS tool, count(*) AS steps,
  sum((status = 'completed')::int) AS completed, sum((status = 'failed')::int) AS failed,
  sum((status = 'cancelled')::int) AS cancelled, sum((status = 'expired')::int) AS expired,
  sum((status = 'in_progress')::int) AS in_progress,
  CASE WHEN sum((status IN ('completed', 'failed', 'cancelled', 'expired'))::int) = 0 THEN NULL ELSE sum((status = 'failed')::int)::double precision / sum((status IN ('completed', 'failed', 'cancelled', 'expired'))::int) END AS failure_rate,
  (sum(seconds) FILTER (WHERE status = 'completed'))::double precision / count(seconds) FILTER (WHERE status = 'completed') AS avg_completion_seconds,
  percentile_disc(0.5) WITHIN GROUP (ORDER BY seconds) FILTER (WHERE status = 'completed') AS p50_completion_seconds,
  percentile_disc(0.95) WITHIN GROUP (ORDER BY seconds) FILTER (WHERE status = 'completed') AS p95_completion_seconds,
  sum(coalesce(prompt_tokens, 0))::bigint AS prompt_tokens, sum(coalesce(completion_tokens, 0))::bigint AS completion_tokens,
  sum(coalesce(total_tokens, 0))::bigint AS total_tokens
FROM (
  SELECT t.tool AS k, s.status AS status, s.completion_seconds AS seconds,
    s.prompt_tokens AS prompt_tokens, s.completion_tokens AS completion_tokens, s.total_tokens AS total_tokens
  FROM run_steps s JOIN run_step_tools t ON t.step_id = s.id
) tagged
GROUP BY k
ORDER BY k COLLATE "C" NULLS FIRST);--> statement-breakpoint
CREATE VIEW "public"."stats_by_type" AS (SELECT k AS type, count(*) AS steps,
  sum((status = 'completed')::int) AS completed, sum((status = 'failed')::int) AS failed,
  sum((status = 'cancelled')::int) AS cancelled, sum((status = 'expired')::int) AS expired,
  sum((status = 'in_progress')::int) AS in_progress,
  CASE WHEN sum((status IN ('completed', 'failed', 'cancelled', 'expired'))::int) = 0 THEN NULL ELSE sum((status = 'failed')::int)::double precision / sum((status IN ('completed', 'failed', 'cancelled', 'expired'))::int) END AS failure_rate,
  (sum(seconds) FILTER (WHERE status = 'completed'))::double precision / count(seconds) FILTER (WHERE status = 'completed') AS avg_completion_seconds,
  percentile_disc(0.5) WITHIN GROUP (ORDER BY seconds) FILTER (WHERE status = 'completed') AS p50_completion_seconds,
  percentile_disc(0.95) WITHIN GROUP (ORDER BY seconds) FILTER (WHERE status = 'completed') AS p95_completion_seconds,
  sum(coalesce(prompt_tokens, 0))::bigint AS prompt_tokens, sum(coalesce(completion_tokens, 0))::bigint AS completion_tokens,
  sum(coalesce(total_tokens, 0))::bigint AS total_tokens
FROM (
  SELECT s.type AS k, s.status AS status, s.completion_seconds AS seconds,
    s.prompt_tokens AS prompt_tokens, s.completion_tokens AS completion_tokens, s.total_tokens AS total_tokens
  FROM run_steps s
) tagged
GROUP BY k
ORDER BY k COLLATE "C" NULLS FIRST);