import type { FastifyInstance, FastifyRequest } from "fastify";
import { printable } from "../records/utf8.js";
import { sendError, sendUnknownRoute } from "./errors.js";

/** A request's query (or path) parameters as fastify parses them: a repeated one is an array. */
export type Query = Record<string, string | string[] | undefined>;

/**
 * The first path or query parameter (a name or a value) holding U+0000, by the name the route gives it; null when none.
 * No stored id or key can hold one (ingest refuses it, PostgreSQL text cannot), and PostgreSQL answers such a
 * parameter with an error where SQLite matches nothing: refused before any store sees it, both stores alike.
 */
export function parameterWithNul(request: FastifyRequest): string | null {
  for (const values of [request.params as Query, request.query as Query]) {
    for (const [name, value] of Object.entries(values ?? {})) {
      if (name.includes("\u0000") || [value ?? []].flat().some((text) => text.includes("\u0000"))) return name;
    }
  }
  return null;
}

/**
 * The first query parameter a route does not take, refused with what it takes (`refuse(message, name)`). A misspelt
 * filter (`?form=2025-08-01`) would otherwise answer the unfiltered figures as if they were filtered: the JSON routes
 * and the console both refuse it, each in its own error shape.
 */
export function refuseUnknown(query: Query, route: string, takes: readonly string[], refuse: (message: string, name: string) => Error): void {
  const name = Object.keys(query ?? {}).find((given) => !takes.includes(given));
  if (name !== undefined) throw refuse(`Unknown parameter '${printable(name)}': ${route} takes ${takes.length > 0 ? takes.join(", ") : "none"}`, name);
}

/** A query parameter given at most once, as given ("" kept: a report row's key may be the empty string); a repeated one is refused. */
export function givenOnce(query: Query, name: string, refuse: (message: string, name: string) => Error): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw refuse(`'${printable(name)}' may be given once`, name);
  return value;
}

/** A filter or option given at most once, empty counting as not given (an empty form field). */
export function optionGiven(query: Query, name: string, refuse: (message: string, name: string) => Error): string | undefined {
  const value = givenOnce(query, name, refuse);
  return value === "" ? undefined : value;
}

export const nulMessage = (name: string) => `'${printable(name)}' must not contain U+0000: no id or key stepstore holds can.`;

/** An empty path segment where the route expects an id (`…/steps/`, `…/steps//events`) names nothing: no route. */
const hasEmptyPathParameter = (request: FastifyRequest) => Object.values((request.params ?? {}) as Query).some((value) => value === "");

/**
 * The boundary every JSON route's path and query parameters cross (after the key check, before the handler):
 * U+0000 is a 400 naming the parameter, an empty id answers as an unknown route. The console's pages apply
 * `parameterWithNul` themselves, after their own key check, with an HTML page.
 */
export function checkRequestParameters(app: FastifyInstance, isConsole: (route: string) => boolean): void {
  app.addHook("preHandler", async (request, reply) => {
    const route = request.routeOptions.url;
    // No route (the not-found handler's wildcard): an unknown URL, %00 or not.
    if (route === undefined || isConsole(route)) return;
    const nul = parameterWithNul(request);
    if (nul !== null) return sendError(reply, 400, nulMessage(nul), { param: nul });
    if (hasEmptyPathParameter(request)) return sendUnknownRoute(request, reply);
  });
}
