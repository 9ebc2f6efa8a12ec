export {
  detectFormat,
  inferSchema,
  mergeSchemas,
  type InferSchemaOptions,
  type JsonSchema,
} from './infer-schema.js';
export { canonicalName, nameSimilarity, nameTokens, type NameMatch } from './name-match.js';
export {
  sourceFields,
  suggestMappings,
  typeFit,
  type MappingSuggestion,
  type SourceField,
  type SuggestMappingsOptions,
} from './suggest-mappings.js';
