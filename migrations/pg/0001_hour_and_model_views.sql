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
  SELECT to_char(to_timestamp(s.created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24') AS k, s.status AS status, s.completion_seconds AS seconds,
    s.prompt_tokens AS prompt_tokens, s.completion_tokens AS completion_tokens, s.total_tokens AS total_tokens
  FROM run_steps s
) tagged
GROUP BY k
ORDER BY k COLLATE "C" NULLS FIRST);--> statement-breakpoint
CREATE VIEW "public"."stats_by_model" AS (SELECT k AS model, count(*) AS steps,
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
  SELECT coalesce((SELECT r.model FROM runs r WHERE r.id = s.run_id), '(unknown)') AS k, s.status AS status, s.completion_seconds AS seconds,
    s.prompt_tokens AS prompt_tokens, s.completion_tokens AS completion_tokens, s.total_tokens AS total_tokens
  FROM run_steps s
) tagged
GROUP BY k
ORDER BY k COLLATE "C" NULLS FIRST);