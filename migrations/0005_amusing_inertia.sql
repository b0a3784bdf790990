CREATE TABLE `assistants` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text,
	`model` text,
	`created_at` integer,
	`data` text
);
