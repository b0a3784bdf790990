/**
 * The token of an `Authorization: Bearer <token>` header, or null for any other. The scheme is case-insensitive and
 * may be followed by more than one space (RFC 9110 §11.1, §11.4; a tab is taken too); the token is as sent. The API and
 * the console read the header by this one rule.
 */
export const bearerToken = (header: string | undefined): string | null => /^bearer[ \t]+(.+)$/i.exec(header ?? "")?.[1] ?? null;
