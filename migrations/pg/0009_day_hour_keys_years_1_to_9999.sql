-- Day and hour keys cover years 0001-9999 on every store (stepStats/timeKeys.ts); a step of year 0 had '0000-...' keys, and
-- the SQLite views wrote year -1 as '-001-...', PostgreSQL's BC years and year 10000 otherwise: the views are made again,
-- and a store holding a step of year 0 refolds its rollups once when next opened for writing.
DELETE FROM "checkpoints" WHERE "name" = 'step_rollups' AND EXISTS (SELECT 1 FROM "run_steps" WHERE "created_at" BETWEEN -62167219200 AND -62135596801);--> statement-breakpoint
DROP VIEW "public"."stats_by_day";--> statement-breakpoint
DROP VIEW "public"."stats_by_hour";--> statement-breakpoint
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
  SELECT CASE WHEN s.created_at BETWEEN -62135596800 AND 253402300799 THEN to_char(to_timestamp(s.created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD') END AS k, s.status AS status, s.completion_seconds AS seconds,
    s.prompt_tokens AS prompt_tokens, s.completion_tokens AS completion_tokens, s.total_tokens AS total_tokens
  FROM run_steps s
) tagged
GROUP BY k
ORDER BY k COLLATE "C" NULLS FIRST);--> statement-breakpoint
CREATE VIEW "public"."stats_by_hour" AS (SELECT k AS hour, count(*) AS steps,
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
  SELECT CASE WHEN s.created_at BETWEEN -62135596800 AND 253402300799 THEN to_char(to_timestamp(s.created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24') END AS k, s.status AS status, s.completion_seconds AS seconds,
    s.prompt_tokens AS prompt_tokens, s.completion_tokens AS completion_tokens, s.total_tokens AS total_tokens
  FROM run_steps s
) tagged
GROUP BY k
ORDER BY k COLLATE "C" NULLS FIRST);