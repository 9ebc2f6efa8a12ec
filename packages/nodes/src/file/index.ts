import type { NodeType } from '@flowstate/core';
import { createFileReadNode } from './file-read.js';
import { createFileWriteNode } from './file-write.js';
import type { FileNodeOptions } from './options.js';

export { createFileReadNode, fileReadParams, type FileReadParams } from './file-read.js';
export { createFileWriteNode, fileWriteParams, type FileWriteParams } from './file-write.js';
export { fileOptionsFromEnv, type FileNodeOptions } from './options.js';
export { PathNotAllowedError } from './safe-path.js';

/** `file.read` and `file.write`, confined to `options.root`. */
export function createFileNodes(options: FileNodeOptions): NodeType<any>[] {
  return [createFileReadNode(options), createFileWriteNode(options)];
}
