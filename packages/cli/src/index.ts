export { main, helpText } from './cli.js';
export { CliError, processIo, type CliIo } from './io.js';
export { formatTimeline, timelineRows, formatDuration, type TimelineRow } from './timeline.js';
export { loadWorkflowFile, formatProblem, type LoadedWorkflowFile } from './workflow-file.js';
export { runCommand, type RunCommandOptions } from './commands/run.js';
export { validateCommand } from './commands/validate.js';
export { startCommand } from './commands/start.js';
export { usersCommand, type AccountOptions } from './commands/users.js';
export { apiKeysCommand } from './commands/api-keys.js';
export { credentialsCommand } from './commands/credentials.js';
export { auditCommand } from './commands/audit.js';
export {
  builtinNodeReference,
  diffNodeReference,
  writeNodeReference,
  NODE_REFERENCE_COMMAND,
  type NodeReferenceDiff,
} from './node-reference.js';
export { registryWithPlugins } from './plugins.js';
