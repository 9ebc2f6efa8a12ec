import type { NodeType } from '@flowstate/core';
import type { FileNodeOptions } from '../file/options.js';
import { createSqlQueryNode } from './sql-query.js';

export {
  createSqlQueryNode,
  sqlQueryParams,
  type SqlQueryNodeOptions,
  type SqlQueryParams,
} from './sql-query.js';
export { DriverCache } from './driver.js';

/** `sql.query`, with SQLite files confined to the file nodes' folder. */
export function createSqlNodes(files: FileNodeOptions): NodeType<any>[] {
  return [createSqlQueryNode({ filesRoot: files.root })];
}
