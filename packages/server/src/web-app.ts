import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, normalize, sep } from 'node:path';

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

/** The file under `root` that `urlPath` names, or undefined (missing, a folder, or outside). */
function fileUnder(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0]!);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const relative = normalize(decoded).replace(/^([/\\])+/, '');
  if (relative === '' || relative.split(sep).includes('..')) return undefined;
  const file = join(root, relative);
  try {
    return statSync(file).isFile() ? relative : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Serves the web app at `/`: its files (hashed assets cached for a year), and `index.html`
 * for every other GET outside the API (client-side routes such as `/workflows/abc`). The
 * routes are public (the app itself asks for a session) and not part of the API document.
 * Without a build, `/` explains how to make one.
 */
export async function registerWebApp(app: FastifyInstance, dir = findWebAppDir()): Promise<void> {
  const options = { schema: { hide: true }, config: { access: 'public' as const } };
  if (dir === undefined) {
    app.get('/', options, async (_request, reply) =>
      reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The Flowstate web app is not built. Run `npm run build` and restart.'),
    );
    return;
  }
  await app.register(fastifyStatic, { root: dir, serve: false });
  const serve = async (url: string, reply: FastifyReply) => {
    const file = fileUnder(dir, url);
    if (file !== undefined) {
      const immutable = file.startsWith(`assets${sep}`) || file.startsWith('assets/');
      return reply
        .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
        .sendFile(file);
    }
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  };
  app.get('/', options, async (request, reply) => serve(request.url, reply));
  app.get('/*', options, async (request, reply) => {
    if (SERVER_PREFIXES.some((prefix) => request.url.startsWith(prefix))) {
      return reply.callNotFound();
    }
    return serve(request.url, reply);
  });
}
