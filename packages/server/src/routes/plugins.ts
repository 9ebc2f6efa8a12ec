import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ServerContext } from '../context.js';

const PluginFields = {
  name: z.string().meta({ description: 'Package name, else the folder or file name' }),
  version: z.string().optional(),
  path: z.string().meta({ description: 'Where the plugin was found on the server' }),
  source: z
    .enum(['node_modules', 'FLOWSTATE_PLUGINS'])
    .meta({ description: 'A flowstate-node-* package, or a folder listed in FLOWSTATE_PLUGINS' }),
};

const PluginsResponse = z
  .object({
    loaded: z.array(
      z.object({
        ...PluginFields,
        nodeTypes: z.array(z.string()).meta({ description: 'Type ids it installed' }),
      }),
    ),
    failed: z.array(
      z.object({
        ...PluginFields,
        code: z.string().meta({ description: 'e.g. PLUGIN_IMPORT_FAILED, PLUGIN_TYPE_CONFLICT' }),
        message: z.string().meta({ description: 'Why the plugin was skipped' }),
      }),
    ),
  })
  .meta({ id: 'Plugins' });

/**
 * `GET /api/v1/plugins` (admin: it shows server paths and error messages): the plugins that
 * loaded with their node types, and the ones skipped with the reason. Plugins load once, at
 * start; a fixed plugin needs a restart.
 */
export function registerPluginRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/plugins',
    {
      schema: {
        tags: ['workflows'],
        summary: 'Installed node plugins, and the ones that failed to load with the reason',
        response: { 200: PluginsResponse },
      },
      config: { access: 'admin' },
    },
    async () => ({ loaded: ctx.plugins.loaded, failed: ctx.plugins.failed }),
  );
}
