export * from './json.js';
export * from './model.js';
export * from './errors.js';
export * from './node-type.js';
export * from './credentials.js';
export * from './graph.js';
export * from './json-pointer.js';
export * from './template.js';
export * from './expression-error.js';
export {
  clearExpressionCache,
  DEFAULT_EXPRESSION_MAX_DEPTH,
  DEFAULT_EXPRESSION_TIMEOUT_MS,
  EXPRESSION_CACHE_SIZE,
  type EvaluateOptions,
} from './expression-cache.js';
export * from './expressions.js';
export { BoundedRegExp } from './bounded-regex.js';
export * from './resolve-params.js';
export * from './hash.js';
export * from './migrate.js';
export { CONTAINER_TYPES, ProblemCodes, type Problem } from './validation-context.js';
export * from './validate.js';
export { checkInput, compileInputSchema } from './input-schema.js';
export * from './diff.js';
export { applyWorkflowDiff, applyChange } from './diff-apply.js';
export * from './mapping/index.js';
