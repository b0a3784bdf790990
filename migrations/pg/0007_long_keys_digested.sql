-- Keys past 512 bytes (cells, tool sets) are now their SHA-256 (cells.ts keyText): a store holding any refolds its rollups once when next opened for writing.
DELETE FROM "checkpoints" WHERE "name" = 'step_rollups' AND (
  EXISTS (SELECT 1 FROM "step_rollups" WHERE octet_length("cell") > 512 OR octet_length("tool_set") > 512)
  OR EXISTS (SELECT 1 FROM "step_rollup_tools" WHERE octet_length("tool_set") > 512)
  OR EXISTS (SELECT 1 FROM "step_summaries" WHERE octet_length("cell") > 512)
  OR EXISTS (SELECT 1 FROM "step_seconds" WHERE octet_length("cell") > 512)
  OR EXISTS (SELECT 1 FROM "step_costs" WHERE octet_length("cell") > 512)
);
