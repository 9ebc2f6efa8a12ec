/** Name of the HTTP-only session cookie. */
export const SESSION_COOKIE = 'fs_session';
/** Name of the readable cookie carrying the session's CSRF token (see docs/security.md). */
export const CSRF_COOKIE = 'fs_csrf';
/** Header in which browsers send the CSRF token back on unsafe requests. */
export const CSRF_HEADER = 'x-csrf-token';

/** The cookies of a `Cookie` header (first value wins, values URL-decoded). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (header === undefined) return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (cookies.has(name)) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      cookies.set(name, decodeURIComponent(value));
    } catch {
      // a malformed value is ignored, as if the cookie were absent
    }
  }
  return cookies;
}

/** Attributes of a `Set-Cookie` header. */
export interface CookieOptions {
  httpOnly: boolean;
  secure: boolean;
  sameSite: 'Lax' | 'Strict';
  /** Seconds; 0 deletes the cookie. */
  maxAge: number;
}

/** A `Set-Cookie` value for the whole site (`Path=/`). */
export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  return [
    `${name}=${encodeURIComponent(value)}`,
    'Path=/',
    `Max-Age=${Math.max(0, Math.floor(options.maxAge))}`,
    `SameSite=${options.sameSite}`,
    ...(options.httpOnly ? ['HttpOnly'] : []),
    ...(options.secure ? ['Secure'] : []),
  ].join('; ');
}
