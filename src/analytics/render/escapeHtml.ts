const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/**
 * Text from the log as HTML text or an attribute value. Bidirectional overrides, embeddings and isolates (U+202A–U+202E,
 * U+2066–U+2069) are shown as their code points: in an id or an error code they would reorder what people read
 * (`step_\u202Efdp.exe` shows as `step_exe.pdf`).
 */
export const escapeHtml = (text: string) =>
  text.replace(/[&<>"'\u202A-\u202E\u2066-\u2069]/g, (c) => ENTITIES[c] ?? `[U+${c.charCodeAt(0).toString(16).toUpperCase()}]`);
