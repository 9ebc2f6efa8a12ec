import { delimiter, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parsePluginPaths, PLUGIN_PACKAGE_PATTERN } from './discover-plugins.js';

describe('PLUGIN_PACKAGE_PATTERN', () => {
  test.each([
    ['flowstate-node-example', true],
    ['flowstate-node-crm.tools', true],
    ['@acme/flowstate-node-desk', true],
    ['flowstate-node-', false],
    ['flowstate-nodes-x', false],
    ['my-flowstate-node-x', false],
    ['@acme/other', false],
    ['@flowstate/sdk', false],
  ])('%s -> %s', (name, discovered) => {
    expect(PLUGIN_PACKAGE_PATTERN.test(name)).toBe(discovered);
  });
});

describe('parsePluginPaths', () => {
  test('splits on the path delimiter, drops blanks, resolves relative paths against cwd', () => {
    const cwd = resolve('/srv/app');
    expect(
      parsePluginPaths(` plugins/a ${delimiter}${delimiter}${resolve('/opt/b')}`, cwd),
    ).toEqual([resolve(cwd, 'plugins/a'), resolve('/opt/b')]);
  });

  test('unset or empty is no paths', () => {
    expect(parsePluginPaths(undefined, '/srv')).toEqual([]);
    expect(parsePluginPaths('  ', '/srv')).toEqual([]);
  });
});
