CREATE VIEW `stats_by_hour` AS WITH tagged AS NOT MATERIALIZED (
  SELECT strftime('%Y-%m-%dT%H', s.created_at, 'unixepoch') AS k, s.status AS status, s.completion_seconds AS seconds,
    s.prompt_tokens AS prompt_tokens, s.completion_tokens AS completion_tokens, s.total_tokens AS total_tokens
  FROM run_steps s
), totals AS (
  SELECT k, count(*) AS steps,
    sum(status = 'completed') AS completed, sum(status = 'failed') AS failed, sum(status = 'cancelled') AS cancelled,
    sum(status = 'expired') AS expired, sum(status = 'in_progress') AS in_progress,
    CASE WHEN sum(status IN ('completed', 'failed', 'cancelled', 'expired')) = 0 THEN NULL ELSE CAST(sum(status = 'failed') AS REAL) / sum(status IN ('completed', 'failed', 'cancelled', 'expired')) END AS failure_rate,
    avg(CASE WHEN status = 'completed' THEN seconds END) AS avg_completion_seconds,
    sum(coalesce(prompt_tokens, 0)) AS prompt_tokens, sum(coalesce(completion_tokens, 0)) AS completion_tokens,
    sum(coalesce(total_tokens, 0)) AS total_tokens
  FROM tagged GROUP BY k
), histogram AS (
  SELECT k, seconds, count(*) AS c
  FROM tagged WHERE +status = 'completed' AND seconds IS NOT NULL GROUP BY k, seconds
), running AS (
  SELECT k, seconds, sum(c) OVER (PARTITION BY k ORDER BY seconds ROWS UNBOUNDED PRECEDING) AS upto, sum(c) OVER (PARTITION BY k) AS n
  FROM histogram
), percentiles AS (
  SELECT k, min(CASE WHEN upto >= (50 * n + 99) / 100 THEN seconds END) AS p50_completion_seconds, min(CASE WHEN upto >= (95 * n + 99) / 100 THEN seconds END) AS p95_completion_seconds
  FROM running GROUP BY k
)
SELECT t.k AS hour, t.steps, t.completed, t.failed, t.cancelled, t.expired, t.in_progress, t.failure_rate,
  t.avg_completion_seconds, p.p50_completion_seconds, p.p95_completion_seconds, t.prompt_tokens, t.completion_tokens, t.total_tokens
FROM totals t LEFT JOIN percentiles p ON p.k IS t.k
ORDER BY t.k;--> statement-breakpoint
CREATE VIEW `stats_by_model` AS WITH tagged AS NOT MATERIALIZED (
  SELECT coalesce((SELECT r.model FROM runs r WHERE r.id = s.run_id), '(unknown)') AS k, s.status AS status, s.completion_seconds AS seconds,
    s.prompt_tokens AS prompt_tokens, s.completion_tokens AS completion_tokens, s.total_tokens AS total_tokens
  FROM run_steps s
), totals AS (
  SELECT k, count(*) AS steps,
    sum(status = 'completed') AS completed, sum(status = 'failed') AS failed, sum(status = 'cancelled') AS cancelled,
    sum(status = 'expired') AS expired, sum(status = 'in_progress') AS in_progress,
    CASE WHEN sum(status IN ('completed', 'failed', 'cancelled', 'expired')) = 0 THEN NULL ELSE CAST(sum(status = 'failed') AS REAL) / sum(status IN ('completed', 'failed', 'cancelled', 'expired')) END AS failure_rate,
    avg(CASE WHEN status = 'completed' THEN seconds END) AS avg_completion_seconds,
    sum(coalesce(prompt_tokens, 0)) AS prompt_tokens, sum(coalesce(completion_tokens, 0)) AS completion_tokens,
    sum(coalesce(total_tokens, 0)) AS total_tokens
  FROM tagged GROUP BY k
), histogram AS (
  SELECT k, seconds, count(*) AS c
  FROM tagged WHERE +status = 'completed' AND seconds IS NOT NULL GROUP BY k, seconds
), running AS (
  SELECT k, seconds, sum(c) OVER (PARTITION BY k ORDER BY seconds ROWS UNBOUNDED PRECEDING) AS upto, sum(c) OVER (PARTITION BY k) AS n
  FROM histogram
), percentiles AS (
  SELECT k, min(CASE WHEN upto >= (50 * n + 99) / 100 THEN seconds END) AS p50_completion_seconds, min(CASE WHEN upto >= (95 * n + 99) / 100 THEN seconds END) AS p95_completion_seconds
  FROM running GROUP BY k
)
SELECT t.k AS model, t.steps, t.completed, t.failed, t.cancelled, t.expired, t.in_progress, t.failure_rate,
  t.avg_completion_seconds, p.p50_completion_seconds, p.p95_completion_seconds, t.prompt_tokens, t.completion_tokens, t.total_tokens
FROM totals t LEFT JOIN percentiles p ON p.k IS t.k
ORDER BY t.k;