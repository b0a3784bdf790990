CREATE TABLE `checkpoints` (
	`name` text PRIMARY KEY NOT NULL,
	`position` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `events` (
	`position` integer PRIMARY KEY NOT NULL,
	`event_key` text NOT NULL,
	`type` text NOT NULL,
	`step_id` text,
	`run_id` text,
	`thread_id` text,
	`source` text NOT NULL,
	`origin` text NOT NULL,
	`received_at` text NOT NULL,
	`data` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `events_event_key_unique` ON `events` (`event_key`);--> statement-breakpoint
CREATE INDEX `events_step_position` ON `events` (`step_id`,`position`);--> statement-breakpoint
CREATE INDEX `events_run_position` ON `events` (`run_id`,`position`);--> statement-breakpoint
CREATE TABLE `rejections` (
	`id` integer PRIMARY KEY NOT NULL,
	`received_at` text NOT NULL,
	`source` text NOT NULL,
	`origin` text NOT NULL,
	`reason` text NOT NULL,
	`path` text,
	`raw` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `run_expiries` (
	`run_id` text PRIMARY KEY NOT NULL,
	`expires_at` integer,
	`envelope_created_at` integer,
	`position` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `run_step_folds` (
	`step_id` text PRIMARY KEY NOT NULL,
	`run_id` text,
	`state` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `run_step_folds_run` ON `run_step_folds` (`run_id`);--> statement-breakpoint
CREATE TABLE `run_step_tools` (
	`step_id` text NOT NULL,
	`tool` text NOT NULL,
	PRIMARY KEY(`step_id`, `tool`)
);
--> statement-breakpoint
CREATE INDEX `run_step_tools_tool` ON `run_step_tools` (`tool`);--> statement-breakpoint
CREATE TABLE `run_steps` (
	`id` text PRIMARY KEY NOT NULL,
	`object` text,
	`created_at` integer,
	`assistant_id` text,
	`thread_id` text,
	`run_id` text,
	`type` text,
	`status` text,
	`step_details` text,
	`last_error` text,
	`expired_at` integer,
	`cancelled_at` integer,
	`failed_at` integer,
	`completed_at` integer,
	`metadata` text,
	`usage` text,
	`last_error_code` text,
	`prompt_tokens` integer,
	`completion_tokens` integer,
	`total_tokens` integer,
	`completion_seconds` integer,
	`data` text,
	`position` integer
);
--> statement-breakpoint
CREATE INDEX `run_steps_run_order` ON `run_steps` (`thread_id`,`run_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `run_steps_order` ON `run_steps` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `run_steps_status` ON `run_steps` (`status`);--> statement-breakpoint
CREATE INDEX `run_steps_assistant` ON `run_steps` (`assistant_id`);--> statement-breakpoint
CREATE INDEX `run_steps_position` ON `run_steps` (`position`);--> statement-breakpoint
CREATE TABLE `runs` (
	`id` text PRIMARY KEY NOT NULL,
	`thread_id` text,
	`assistant_id` text,
	`status` text,
	`model` text,
	`created_at` integer,
	`started_at` integer,
	`expires_at` integer,
	`completed_at` integer,
	`failed_at` integer,
	`cancelled_at` integer,
	`data` text
);
--> statement-breakpoint
CREATE INDEX `runs_thread` ON `runs` (`thread_id`);--> statement-breakpoint
CREATE INDEX `runs_status` ON `runs` (`status`);