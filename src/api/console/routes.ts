import type { FastifyPluginAsync, FastifyReply } from "fastify";
import { STATUS_CODES } from "node:http";
import { ReportParamError } from "../../analytics/report.js";
import type { PriceTable } from "../../analytics/prices.js";
import type { Store } from "../../store/store.js";
import { CONSOLE_CSS } from "./assets.js";
import { consoleAuth, COOKIE, returnPath, signInBody } from "./auth.js";
import { nulMessage, parameterWithNul } from "../requestParams.js";
import { html, type Html } from "./html.js";
import { page, type PageOptions } from "./layout.js";
import { failuresPage } from "./pages/failures.js";
import { overviewPage } from "./pages/overview.js";
import { REPORT_PARAMS, reportPage, ROW_STEPS_PARAMS, rowStepsPage } from "./pages/report.js";
import { runPage } from "./pages/run.js";
import { RUNS_PARAMS, runsPage } from "./pages/runs.js";
import { stepPage } from "./pages/step.js";
import { BadParam, refuseUnknown, type Query } from "./params.js";

interface ConsoleOptions {
  store: Store;
  prices: PriceTable;
  /** STEPSTORE_API_KEY: when set, every /ui/ page requires it. */
  apiKey?: string | undefined;
}

/** No script at all (the console works without it), styles and everything else from the service only. */
const CSP = "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** Every console answer's headers: the CSP, no sniffing or referrer, no caching but of the stylesheet. */
const setHeaders = (url: string, reply: FastifyReply) => {
  reply.header("content-security-policy", CSP).header("x-content-type-options", "nosniff").header("referrer-policy", "no-referrer");
  reply.header("cache-control", url.startsWith("/ui/assets/") ? "public, max-age=3600" : "no-store");
};

/** A URL the console answers (its pages and its errors alike). */
export const isConsoleUrl = (url: string) => url === "/ui" || url.startsWith("/ui/") || url.startsWith("/ui?");

/**
 * An error the server answers before or instead of a console route (a path the router cannot decode, a 500) as the
 * console's own HTML page with the same status: a browser shows it, where JSON would be a wall of text.
 */
export function sendConsoleError(url: string, reply: FastifyReply, status: number, message: string) {
  const title = status === 400 ? "Bad request" : status >= 500 ? "Server error" : (STATUS_CODES[status] ?? "Error");
  setHeaders(url, reply);
  return reply.code(status).type("text/html; charset=utf-8").send(page({ title }, html`<h1>${title}</h1><p>${message}</p>`));
}

type Rendered = { title: string; body: Html } | null;
type Section = PageOptions["section"];

/**
 * The console of CONTRACT §9 (`/ui/…`): server-rendered HTML pages over the read models, `/` redirecting to `/ui/`.
 * With an API key, a page without the key answers 401 with the sign-in form and nothing of the store.
 */
export const consoleRoutes: FastifyPluginAsync<ConsoleOptions> = async (app, { store, prices, apiKey }) => {
  const auth = apiKey === undefined ? null : consoleAuth(apiKey);
  const send = (reply: FastifyReply, status: number, options: PageOptions, body: Html) =>
    reply.code(status).type("text/html; charset=utf-8").send(page({ ...options, signOut: auth !== null && status !== 401 }, body));

  app.addHook("onSend", async (request, reply) => {
    if (request.url === "/" || request.url.startsWith("/ui")) setHeaders(request.url, reply);
  });
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string", bodyLimit: 4096 }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  app.get("/", (_request, reply) => reply.redirect("/ui/", 302));
  app.get("/ui", (_request, reply) => reply.redirect("/ui/", 302));
  // Browsers ask for it on their own; the console has none (a 404 would show as a console error).
  app.get("/favicon.ico", (_request, reply) => reply.code(204).send());
  app.get("/ui/assets/console.css", (_request, reply) => reply.type("text/css; charset=utf-8").send(CONSOLE_CSS));

  app.post<{ Body: Record<string, string> | undefined }>("/ui/signin", (request, reply) => {
    if (auth === null) return reply.redirect("/ui/", 303);
    const key = request.body?.key;
    const next = returnPath(request.body?.next);
    if (typeof key === "string" && auth.isKey(key)) return reply.header("set-cookie", auth.cookie).redirect(next, 303);
    return send(reply, 401, { title: "Sign in" }, signInBody(true, next));
  });
  app.post("/ui/signout", (_request, reply) =>
    reply.header("set-cookie", `${COOKIE}=; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=0`).redirect("/ui/", 303));

  /** A data page: the key checked first, bad parameters answered 400, an unknown id 404. */
  /** `accepts`: the query parameters the page takes, any other a 400; null for the catch-all, which answers 404 whatever it is asked. */
  const dataPage = (path: string, section: Section, accepts: readonly string[] | null, render: (params: Record<string, string>, query: Query) => Promise<Rendered>) =>
    app.get<{ Params: Record<string, string>; Querystring: Query }>(path, async (request, reply) => {
      if (auth !== null && !auth.allows(request)) return send(reply, 401, { title: "Sign in" }, signInBody(false, request.url));
      let rendered: Rendered;
      try {
        const nul = parameterWithNul(request);
        if (nul !== null) throw new BadParam(nulMessage(nul));
        if (accepts !== null) refuseUnknown(request.query, path, accepts);
        rendered = await render(request.params, request.query);
      } catch (error) {
        if (!(error instanceof BadParam || error instanceof ReportParamError)) throw error;
        return send(reply, 400, { title: "Bad request", section }, html`<h1>Bad request</h1><p>${error.message}</p>`);
      }
      if (rendered === null) return send(reply, 404, { title: "Not found", section }, html`<h1>Not found</h1><p>No such page, or the log holds nothing with that id.</p>`);
      return send(reply, 200, { title: rendered.title, section }, rendered.body);
    });

  dataPage("/ui/", "/ui/", [], () => overviewPage(store.sql, prices));
  dataPage("/ui/runs", "/ui/runs", RUNS_PARAMS, (_params, query) => runsPage(store.sql, query));
  dataPage("/ui/threads/:thread_id/runs/:run_id", "/ui/runs", [], (params) => runPage(store.sql, params.thread_id!, params.run_id!));
  dataPage("/ui/steps/:step_id", "/ui/runs", [], (params) => stepPage(store.sql, params.step_id!));
  dataPage("/ui/failures", "/ui/failures", [], () => failuresPage(store.sql));
  dataPage("/ui/report", "/ui/report", REPORT_PARAMS, (_params, query) => reportPage(store.sql, prices, query));
  dataPage("/ui/report/steps", "/ui/report", ROW_STEPS_PARAMS, (_params, query) => rowStepsPage(store.sql, query));
  // Any other /ui/ path: the console's own 404 page (behind the key like the rest).
  dataPage("/ui/*", undefined, null, async () => null);
};
