import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (plugins resolve `zod` and `@flowstate/sdk` from its packages). */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** The example plugin of the repository (built by `npm run build`). */
export const EXAMPLE_PLUGIN = join(REPO_ROOT, 'examples', 'flowstate-node-example');

/** A plugin whose `acme.shout` node upper-cases a text; the fixtures' good plugin. */
export const SHOUT_PLUGIN = `
import { z } from 'zod';
import { defineNode, definePlugin } from '@flowstate/sdk';

export const shout = defineNode({
  type: 'acme.shout',
  name: 'Shout',
  group: 'data',
  description: 'Upper-cases a text.',
  params: z.object({ text: z.string().describe('What to shout') }),
  sideEffects: false,
  run: (ctx) => ({ shouted: ctx.params.text.toUpperCase() + '!' }),
});

export default definePlugin({ nodes: [shout] });
`;

/** A node type with the given id, as a plugin module's source. */
export function pluginDefining(type: string): string {
  return SHOUT_PLUGIN.replace("'acme.shout'", JSON.stringify(type));
}

/**
 * A throw-away app folder: `node_modules` holds links to the repository's `zod` and
 * `@flowstate/sdk` (as an installed app would have them), so plugin files written under it
 * import them like real plugins do.
 */
export interface PluginApp {
  root: string;
  /** Writes a plugin folder `<root>/plugins/<name>` with its files; returns its path. */
  plugin(name: string, files: Record<string, string>, manifest?: object | false): Promise<string>;
  /** Links a folder into `<root>/node_modules/<packageName>`, as `npm install` would. */
  install(packageName: string, target: string): Promise<void>;
  close(): Promise<void>;
}

/** Makes a {@link PluginApp} in a fresh temp folder. */
export async function makePluginApp(): Promise<PluginApp> {
  const root = await mkdtemp(join(tmpdir(), 'flowstate-plugins-'));
  const install = async (packageName: string, target: string) => {
    const link = join(root, 'node_modules', packageName);
    await mkdir(dirname(link), { recursive: true });
    await symlink(target, link, 'dir');
  };
  await install('zod', join(REPO_ROOT, 'node_modules', 'zod'));
  await install('@flowstate/sdk', join(REPO_ROOT, 'packages', 'sdk'));
  await install('@flowstate/core', join(REPO_ROOT, 'packages', 'core'));
  return {
    root,
    install,
    async plugin(name, files, manifest = {}) {
      const dir = join(root, 'plugins', name);
      await mkdir(dir, { recursive: true });
      if (manifest !== false)
        await writeFile(
          join(dir, 'package.json'),
          JSON.stringify({ name, version: '1.0.0', type: 'module', ...manifest }),
        );
      for (const [file, content] of Object.entries(files)) {
        await mkdir(dirname(join(dir, file)), { recursive: true });
        await writeFile(join(dir, file), content);
      }
      return dir;
    },
    close: () => rm(root, { recursive: true, force: true }),
  };
}
