// Preloaded with `node --import`: writes the process's peak RSS (KiB) to $PEAK_RSS_FILE on exit.
import { writeFileSync } from "node:fs";

process.on("exit", () => {
  if (process.env.PEAK_RSS_FILE) writeFileSync(process.env.PEAK_RSS_FILE, String(process.resourceUsage().maxRSS));
});
