DROP INDEX `run_steps_status`;--> statement-breakpoint
CREATE INDEX `run_steps_status` ON `run_steps` (`status`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `runs_order` ON `runs` (`created_at`,`id`);