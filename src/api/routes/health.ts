import type { FastifyPluginAsync } from "fastify";
import { lastPosition } from "../../store/checkpoints.js";
import type { Store } from "../../store/store.js";

interface HealthRoutesOptions {
  store: Store;
}

/** `GET /healthz`: the service answers and reads its database; `position` is the log's last. */
export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, { store }) => {
  app.get("/healthz", async () => ({ status: "ok", position: await lastPosition(store.sql) }));
};
