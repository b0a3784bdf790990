import { escapeAttribute, escapeHtml } from "../../analytics/render/escapeHtml.js";

/**
 * Typed HTML: `html` is a tagged template that escapes every interpolation, so text from the log (tool outputs,
 * arguments, error messages) can only ever be text. A fragment built by `html` is an `Html` and is inserted as is.
 */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** What a template may interpolate: text and numbers are escaped, Html kept, arrays joined, null/undefined/false omitted. */
export type Fragment = Html | string | number | boolean | null | undefined | readonly Fragment[];

function render(value: Fragment): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join("");
  if (value === null || value === undefined || value === false) return "";
  return escapeHtml(String(value as string | number | true));
}

export function html(strings: TemplateStringsArray, ...values: Fragment[]): Html {
  let text = strings[0]!;
  for (let i = 0; i < values.length; i++) text += render(values[i]!) + strings[i + 1]!;
  return new Html(text);
}

/** A URL with its query: parameters that are undefined or null are left out. */
export function href(path: string, query: Record<string, string | number | null | undefined> = {}): string {
  const params = new URLSearchParams();
  // "" is kept: a report row's key may be the empty string, and no key at all (null) is another row. Filters read "" as none.
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== null) params.set(name, String(value));
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

/** A form field's `value="…"`, given as the page's URL had it: escaped, every character kept, so submitting the form again filters on the same text. */
export const fieldValue = (value: string | null | undefined) => new Html(`value="${escapeAttribute(value ?? "")}"`);

/** A path segment from the log (an id), encoded for a URL. */
export const segment = (id: string) => encodeURIComponent(id);
