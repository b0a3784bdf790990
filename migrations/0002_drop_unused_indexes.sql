DROP INDEX `run_step_folds_run`;--> statement-breakpoint
DROP INDEX `run_steps_assistant`;