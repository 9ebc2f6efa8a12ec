import type { FastifyRequest } from 'fastify';

/**
 * The author of a save: the signed-in user's email (session or API key), else `system`
 * (workflow files, internal calls). Route access itself is declared in `config.access`
 * (see `auth/roles.ts`) and enforced by `auth/access-control.ts`.
 */
export function authorOf(request: FastifyRequest): string {
  const principal = request.principal;
  if (principal === null || principal === undefined || principal.kind === 'metrics-token') {
    return 'system';
  }
  return principal.user.email;
}
