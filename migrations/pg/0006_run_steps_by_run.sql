DROP INDEX "run_steps_run_order";--> statement-breakpoint
CREATE INDEX "run_steps_run_order" ON "run_steps" USING btree ("run_id","thread_id","created_at","id");