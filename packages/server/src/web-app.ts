import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Paths the web app never shadows: they belong to the API, webhooks and operations. */
const SERVER_PREFIXES = ['/api/', '/hooks/', '/healthz', '/readyz', '/metrics'];

/** The built web app (`packages/web/dist`), or undefined when it was not built. */
export function findWebAppDir(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const dir = join(dirname(require.resolve('@flowstate/web/package.json')), 'dist');
    return existsSync(join(dir, 'index.html')) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Serves the web app at `/`: its files with long-lived caching for hashed assets, and
 * `index.html` for every other GET that is not the API's (client-side routes such as
 * `/workflows/abc`). Without a build, `/` explains how to make one.
 */
export async function registerWebApp(app: FastifyInstance, dir = findWebAppDir()): Promise<void> {
  if (dir === undefined) {
    app.get('/', { config: { access: 'public' } }, async (_request, reply) =>
      reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The Flowstate web app is not built. Run `npm run build` and restart.'),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: dir,
    wildcard: false,
    index: ['index.html'],
    setHeaders(reply, path) {
      reply.header(
        'cache-control',
        path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
  app.get('/*', { config: { access: 'public' } }, async (request, reply) => {
    const url = request.url;
    if (SERVER_PREFIXES.some((prefix) => url.startsWith(prefix))) {
      return reply.callNotFound();
    }
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  });
}
