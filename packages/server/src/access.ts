/**
 * Who may call a route: `public` (anyone), `viewer` (read), `editor` (write workflows, run),
 * `admin` (users, credentials, settings), `owner` (owner-only), `webhook` (webhook auth rules).
 * Every route declares one in `config.access`; the auth layer enforces it.
 */
export type RouteAccess = 'public' | 'viewer' | 'editor' | 'admin' | 'owner' | 'webhook';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

/** The author of a save: the signed-in user's id once auth sets `request.user`, else `system`. */
export function authorOf(request: unknown): string {
  const user = (request as { user?: { id?: unknown } }).user;
  return typeof user?.id === 'string' && user.id !== '' ? user.id : 'system';
}
