DROP INDEX `run_steps_run_order`;--> statement-breakpoint
CREATE INDEX `run_steps_run_order` ON `run_steps` (`run_id`,`thread_id`,`created_at`,`id`);