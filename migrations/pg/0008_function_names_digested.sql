-- A function name past 1,024 bytes is now keyed by its SHA-256 in run_step_tools (runSteps/row.ts toolsOf): a store holding one refolds once when next opened for writing.
DELETE FROM "checkpoints" WHERE "name" = 'run_steps' AND EXISTS (SELECT 1 FROM "run_step_tools" WHERE octet_length("tool") > 1033);
