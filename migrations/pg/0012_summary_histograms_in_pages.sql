CREATE TABLE "step_summary_seconds" (
	"cell" text COLLATE "C" NOT NULL,
	"page" bigint NOT NULL,
	"histogram" text COLLATE "C" NOT NULL,
	CONSTRAINT "step_summary_seconds_cell_page_pk" PRIMARY KEY("cell","page")
);
--> statement-breakpoint
ALTER TABLE "step_summaries" DROP COLUMN "histogram";--> statement-breakpoint
-- The histograms move to pages (README "Rollups"): the rollups' checkpoint goes, so the store refolds them once when next opened for writing.
DELETE FROM "checkpoints" WHERE "name" = 'step_rollups';
