CREATE TABLE `assistants` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text,
	`model` text,
	`created_at` integer,
	`data` text
);
--> statement-breakpoint
DROP INDEX `run_steps_status`;--> statement-breakpoint
CREATE INDEX `run_steps_status` ON `run_steps` (`status`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `runs_order` ON `runs` (`created_at`,`id`);