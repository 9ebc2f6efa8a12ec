export { main, helpText } from './cli.js';
export { CliError, processIo, type CliIo } from './io.js';
export { formatTimeline, timelineRows, formatDuration, type TimelineRow } from './timeline.js';
export { loadWorkflowFile, formatProblem, type LoadedWorkflowFile } from './workflow-file.js';
export { runCommand, type RunCommandOptions } from './commands/run.js';
export { validateCommand } from './commands/validate.js';
export { startCommand } from './commands/start.js';
