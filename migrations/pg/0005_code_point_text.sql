-- Text compared by code point on every database (CONTRACT §10: COLLATE "C"), whatever its default collation.
-- PostgreSQL cannot change a column a view reads: the store's views are kept, dropped, and made again from their own
-- definitions once the columns are changed (in creation order, so a view reading another comes after it).
CREATE TEMPORARY TABLE stepstore_saved_views ON COMMIT DROP AS
  SELECT c.oid, c.relname AS name, pg_get_viewdef(c.oid) AS definition
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'v' AND n.nspname = current_schema();--> statement-breakpoint
DO $$
DECLARE saved record;
BEGIN
  FOR saved IN SELECT name FROM stepstore_saved_views ORDER BY oid DESC LOOP
    EXECUTE format('DROP VIEW %I', saved.name);
  END LOOP;
END $$;--> statement-breakpoint
ALTER TABLE "assistants" ALTER COLUMN "id" SET DATA TYPE text COLLATE "C", ALTER COLUMN "name" SET DATA TYPE text COLLATE "C", ALTER COLUMN "model" SET DATA TYPE text COLLATE "C", ALTER COLUMN "data" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "checkpoints" ALTER COLUMN "name" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "events" ALTER COLUMN "event_key" SET DATA TYPE text COLLATE "C", ALTER COLUMN "type" SET DATA TYPE text COLLATE "C", ALTER COLUMN "step_id" SET DATA TYPE text COLLATE "C", ALTER COLUMN "run_id" SET DATA TYPE text COLLATE "C", ALTER COLUMN "thread_id" SET DATA TYPE text COLLATE "C", ALTER COLUMN "source" SET DATA TYPE text COLLATE "C", ALTER COLUMN "origin" SET DATA TYPE text COLLATE "C", ALTER COLUMN "received_at" SET DATA TYPE text COLLATE "C", ALTER COLUMN "data" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "rejections" ALTER COLUMN "received_at" SET DATA TYPE text COLLATE "C", ALTER COLUMN "source" SET DATA TYPE text COLLATE "C", ALTER COLUMN "origin" SET DATA TYPE text COLLATE "C", ALTER COLUMN "reason" SET DATA TYPE text COLLATE "C", ALTER COLUMN "path" SET DATA TYPE text COLLATE "C", ALTER COLUMN "raw" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "run_expiries" ALTER COLUMN "run_id" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "run_step_folds" ALTER COLUMN "step_id" SET DATA TYPE text COLLATE "C", ALTER COLUMN "state" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "run_step_tools" ALTER COLUMN "step_id" SET DATA TYPE text COLLATE "C", ALTER COLUMN "tool" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "run_steps" ALTER COLUMN "id" SET DATA TYPE text COLLATE "C", ALTER COLUMN "object" SET DATA TYPE text COLLATE "C", ALTER COLUMN "assistant_id" SET DATA TYPE text COLLATE "C", ALTER COLUMN "thread_id" SET DATA TYPE text COLLATE "C", ALTER COLUMN "run_id" SET DATA TYPE text COLLATE "C", ALTER COLUMN "type" SET DATA TYPE text COLLATE "C", ALTER COLUMN "status" SET DATA TYPE text COLLATE "C", ALTER COLUMN "step_details" SET DATA TYPE text COLLATE "C", ALTER COLUMN "last_error" SET DATA TYPE text COLLATE "C", ALTER COLUMN "metadata" SET DATA TYPE text COLLATE "C", ALTER COLUMN "usage" SET DATA TYPE text COLLATE "C", ALTER COLUMN "last_error_code" SET DATA TYPE text COLLATE "C", ALTER COLUMN "data" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "runs" ALTER COLUMN "id" SET DATA TYPE text COLLATE "C", ALTER COLUMN "thread_id" SET DATA TYPE text COLLATE "C", ALTER COLUMN "assistant_id" SET DATA TYPE text COLLATE "C", ALTER COLUMN "status" SET DATA TYPE text COLLATE "C", ALTER COLUMN "model" SET DATA TYPE text COLLATE "C", ALTER COLUMN "data" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "step_costs" ALTER COLUMN "cell" SET DATA TYPE text COLLATE "C", ALTER COLUMN "dimension" SET DATA TYPE text COLLATE "C", ALTER COLUMN "key" SET DATA TYPE text COLLATE "C", ALTER COLUMN "model" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "step_rollup_tools" ALTER COLUMN "tool_set" SET DATA TYPE text COLLATE "C", ALTER COLUMN "tool" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "step_rollups" ALTER COLUMN "cell" SET DATA TYPE text COLLATE "C", ALTER COLUMN "assistant_id" SET DATA TYPE text COLLATE "C", ALTER COLUMN "model" SET DATA TYPE text COLLATE "C", ALTER COLUMN "type" SET DATA TYPE text COLLATE "C", ALTER COLUMN "tool_set" SET DATA TYPE text COLLATE "C", ALTER COLUMN "status" SET DATA TYPE text COLLATE "C", ALTER COLUMN "error_code" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "step_seconds" ALTER COLUMN "cell" SET DATA TYPE text COLLATE "C", ALTER COLUMN "summary" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "step_summaries" ALTER COLUMN "cell" SET DATA TYPE text COLLATE "C", ALTER COLUMN "dimension" SET DATA TYPE text COLLATE "C", ALTER COLUMN "key" SET DATA TYPE text COLLATE "C";--> statement-breakpoint
DO $$
DECLARE saved record;
BEGIN
  FOR saved IN SELECT name, definition FROM stepstore_saved_views ORDER BY oid LOOP
    EXECUTE format('CREATE VIEW %I AS %s', saved.name, saved.definition);
  END LOOP;
END $$;
