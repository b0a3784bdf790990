-- Day and hour keys cover years 0001-9999 on every store (stepStats/timeKeys.ts); a step of year 0 had '0000-...' keys, and
-- the SQLite views wrote year -1 as '-001-...', PostgreSQL's BC years and year 10000 otherwise: the views are made again,
-- and a store holding a step of year 0 refolds its rollups once when next opened for writing.
DELETE FROM `checkpoints` WHERE `name` = 'step_rollups' AND EXISTS (SELECT 1 FROM `run_steps` WHERE `created_at` BETWEEN -62167219200 AND -62135596801);--> statement-breakpoint
DROP VIEW `stats_by_day`;--> statement-breakpoint
DROP VIEW `stats_by_hour`;--> statement-breakpoint
CREATE VIEW `stats_by_day` AS WITH tagged AS NOT MATERIALIZED (
  SELECT CASE WHEN s.created_at BETWEEN -62135596800 AND 253402300799 THEN strftime('%Y-%m-%d', s.created_at, 'unixepoch') END AS k, s.status AS status, s.completion_seconds AS seconds,
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
SELECT t.k AS day, t.steps, t.completed, t.failed, t.cancelled, t.expired, t.in_progress, t.failure_rate,
  t.avg_completion_seconds, p.p50_completion_seconds, p.p95_completion_seconds, t.prompt_tokens, t.completion_tokens, t.total_tokens
FROM totals t LEFT JOIN percentiles p ON p.k IS t.k
ORDER BY t.k;--> statement-breakpoint
CREATE VIEW `stats_by_hour` AS WITH tagged AS NOT MATERIALIZED (
  SELECT CASE WHEN s.created_at BETWEEN -62135596800 AND 253402300799 THEN strftime('%Y-%m-%dT%H', s.created_at, 'unixepoch') END AS k, s.status AS status, s.completion_seconds AS seconds,
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
ORDER BY t.k;