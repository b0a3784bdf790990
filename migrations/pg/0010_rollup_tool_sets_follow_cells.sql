CREATE INDEX "step_rollups_tool_set" ON "step_rollups" USING btree ("tool_set");--> statement-breakpoint
-- Tool sets no cell names any more (they only grew before): as a rebuild leaves them.
DELETE FROM step_rollup_tools WHERE NOT EXISTS (SELECT 1 FROM step_rollups r WHERE r.tool_set = step_rollup_tools.tool_set);