ALTER TABLE "step_costs" ADD COLUMN "steps" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
-- The cost cells gained a steps count (a key whose priced steps have no tokens yet costs 0): the rollups' checkpoint goes, so the store refolds them once when next opened for writing.
DELETE FROM "checkpoints" WHERE "name" = 'step_rollups';
