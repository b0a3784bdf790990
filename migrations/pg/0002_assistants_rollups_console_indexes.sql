CREATE TABLE "assistants" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text,
	"model" text,
	"created_at" bigint,
	"data" text
);
--> statement-breakpoint
CREATE TABLE "step_costs" (
	"cell" text PRIMARY KEY NOT NULL,
	"dimension" text NOT NULL,
	"key" text,
	"model" text NOT NULL,
	"prompt_tokens" bigint NOT NULL,
	"completion_tokens" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "step_rollup_tools" (
	"tool_set" text NOT NULL,
	"tool" text NOT NULL,
	CONSTRAINT "step_rollup_tools_tool_set_tool_pk" PRIMARY KEY("tool_set","tool")
);
--> statement-breakpoint
CREATE TABLE "step_rollups" (
	"cell" text PRIMARY KEY NOT NULL,
	"hour" bigint,
	"assistant_id" text,
	"model" text NOT NULL,
	"type" text,
	"tool_set" text NOT NULL,
	"status" text,
	"error_code" text,
	"seconds" bigint,
	"steps" bigint NOT NULL,
	"prompt_tokens" bigint NOT NULL,
	"completion_tokens" bigint NOT NULL,
	"total_tokens" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "step_totals" (
	"cell" text PRIMARY KEY NOT NULL,
	"dimension" text NOT NULL,
	"key" text,
	"status" text,
	"seconds" bigint,
	"steps" bigint NOT NULL,
	"prompt_tokens" bigint NOT NULL,
	"completion_tokens" bigint NOT NULL,
	"total_tokens" bigint NOT NULL
);
--> statement-breakpoint
DROP INDEX "run_steps_status";--> statement-breakpoint
CREATE INDEX "step_costs_dimension" ON "step_costs" USING btree ("dimension","key","model","prompt_tokens","completion_tokens");--> statement-breakpoint
CREATE INDEX "step_rollups_hour" ON "step_rollups" USING btree ("hour");--> statement-breakpoint
CREATE INDEX "step_rollups_assistant" ON "step_rollups" USING btree ("assistant_id");--> statement-breakpoint
CREATE INDEX "step_totals_dimension" ON "step_totals" USING btree ("dimension","key","status","seconds","steps","prompt_tokens","completion_tokens","total_tokens");--> statement-breakpoint
CREATE INDEX "runs_order" ON "runs" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "run_steps_status" ON "run_steps" USING btree ("status","created_at","id");