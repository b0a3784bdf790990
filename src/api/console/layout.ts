import { isJsonObject } from "../../records/json.js";
import { html, type Fragment, type Html } from "./html.js";

/** The sections of the header's navigation, by the path each opens. */
const NAV = [
  ["/ui/", "Overview"],
  ["/ui/runs", "Runs"],
  ["/ui/failures", "Failures"],
  ["/ui/report", "Analytics"],
] as const;

export interface PageOptions {
  title: string;
  /** The navigation entry this page belongs to. */
  section?: (typeof NAV)[number][0];
  /** Shows the sign-out button (when the console requires a key). */
  signOut?: boolean;
}

/** A whole page: one stylesheet from the service, no script; a skip link, the navigation, then `main`. */
export function page(options: PageOptions, body: Fragment): string {
  const nav = NAV.map(([path, label]) => html`<a href="${path}" ${path === options.section ? html`aria-current="page"` : ""}>${label}</a>`);
  const signOut = options.signOut ? html`<form method="post" action="/ui/signout"><button type="submit">Sign out</button></form>` : "";
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · stepstore</title>
<link rel="stylesheet" href="/ui/assets/console.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header><span class="brand">stepstore</span><nav aria-label="Sections">${nav}</nav>${signOut}</header>
<main id="main">
${body}
</main>
</body>
</html>
`.text;
}

/** An assistant as people know it: its name beside its id where the log has its record, else the id. */
export const assistantLabel = (id: unknown, names: ReadonlyMap<string, string>): Html => {
  if (typeof id !== "string") return html`<span class="muted">—</span>`;
  const name = names.get(id);
  return name === undefined ? html`<span class="id">${id}</span>` : html`${name} <span class="id muted">${id}</span>`;
};

/** A status with a class that colours it (failed in red, completed in green), kept on one line however narrow its column. */
export const statusBadge = (status: unknown): Html =>
  typeof status === "string" ? html`<span class="status status-${status}">${status}</span>` : html`<span class="muted">—</span>`;

/** A step's or a run's `last_error` (code and message, as text), or nothing when it has none. */
export const lastErrorBlock = (error: unknown): Html | "" =>
  isJsonObject(error) ? html`<h2>Last error</h2><p class="bad"><code>${String(error.code ?? "")}</code></p><pre>${String(error.message ?? "")}</pre>` : "";
