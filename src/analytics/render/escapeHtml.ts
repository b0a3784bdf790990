const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** A character as its code point, `[U+202E]`. */
const codePoint = (c: string) => `[U+${c.charCodeAt(0).toString(16).toUpperCase()}]`;

/**
 * Text with its bidirectional overrides, embeddings and isolates (U+202A–U+202E, U+2066–U+2069) shown as their code
 * points: in an id or an error code they would reorder what people read (`step_\u202Efdp.exe` shows as `step_exe.pdf`).
 * For text that another escapes for HTML (the charts' labels, which vega writes into SVG).
 */
export const withVisibleBidi = (text: string) => text.replace(/[\u202A-\u202E\u2066-\u2069]/g, codePoint);

/** Text from the log as HTML text or an attribute value, its bidirectional controls shown as in `withVisibleBidi`. */
export const escapeHtml = (text: string) => text.replace(/[&<>"'\u202A-\u202E\u2066-\u2069]/g, (c) => ENTITIES[c] ?? codePoint(c));

/**
 * Text as an HTML attribute value, every character kept: a form field's value, which the form sends back as it holds it
 * (shown as `[U+202E]`, a filter would be resubmitted as that literal text and match nothing).
 */
export const escapeAttribute = (text: string) => text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
