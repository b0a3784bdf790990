-- Keys past 512 bytes (cells, tool sets) are now their SHA-256 (cells.ts keyText): a store holding any refolds its rollups once when next opened for writing.
DELETE FROM `checkpoints` WHERE `name` = 'step_rollups' AND (
  EXISTS (SELECT 1 FROM `step_rollups` WHERE length(CAST(`cell` AS BLOB)) > 512 OR length(CAST(`tool_set` AS BLOB)) > 512)
  OR EXISTS (SELECT 1 FROM `step_rollup_tools` WHERE length(CAST(`tool_set` AS BLOB)) > 512)
  OR EXISTS (SELECT 1 FROM `step_summaries` WHERE length(CAST(`cell` AS BLOB)) > 512)
  OR EXISTS (SELECT 1 FROM `step_seconds` WHERE length(CAST(`cell` AS BLOB)) > 512)
  OR EXISTS (SELECT 1 FROM `step_costs` WHERE length(CAST(`cell` AS BLOB)) > 512)
);
