import { defineConfig } from "drizzle-kit";

/** The PostgreSQL store's migrations (`npm run db:generate:pg`); drizzle.config.ts generates SQLite's. */
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/pgSchema.ts",
  out: "./migrations/pg",
});
