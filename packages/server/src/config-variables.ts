import { LOG_LEVELS } from './config.js';

/** One documented environment variable. */
export interface ConfigVariable {
  name: string;
  default?: string;
  description: string;
}

/** Every environment variable the server reads, with its default and meaning (for the README). */
export const CONFIG_VARIABLES: readonly ConfigVariable[] = [
  {
    name: 'FLOWSTATE_DATA_DIR',
    default: './.flowstate',
    description:
      'Folder of the embedded SQLite database (one process per folder); with DATABASE_URL, only the generated approval-link key lives there, if FLOWSTATE_SECRET_KEY is unset.',
  },
  {
    name: 'DATABASE_URL',
    description:
      'postgres://user:password@host:port/database: keeps everything in PostgreSQL instead of the data folder, shared by any number of processes (see FLOWSTATE_ROLE). Needs FLOWSTATE_SECRET_KEY, the same in every process.',
  },
  {
    name: 'FLOWSTATE_DB_POOL_SIZE',
    default: '10',
    description:
      'Connections each process opens to PostgreSQL (plus one that listens for wake-ups).',
  },
  { name: 'PORT', default: '3000', description: 'TCP port the HTTP server listens on.' },
  {
    name: 'HOST',
    default: '127.0.0.1',
    description: 'Interface the HTTP server binds to (0.0.0.0 for all).',
  },
  {
    name: 'FLOWSTATE_WORKFLOWS_DIR',
    description:
      'Folder of workflow JSON files; each is validated, created or updated (id: its `id` field or file name) and activated at start.',
  },
  {
    name: 'FLOWSTATE_PLUGINS',
    description:
      'Plugin folders to load node types from, separated by ":" (";" on Windows); relative paths are resolved against the working directory. flowstate-node-* packages in ./node_modules load without it. A broken plugin is logged and skipped (GET /api/v1/plugins lists it).',
  },
  {
    name: 'FLOWSTATE_WEBHOOK_TIMEOUT_MS',
    default: '10000',
    description:
      'How long a webhook call waits for a synchronous response before answering 202 with the execution id.',
  },
  {
    name: 'FLOWSTATE_BODY_LIMIT',
    default: '1048576',
    description: 'Largest accepted request body, in bytes (413 above).',
  },
  {
    name: 'FLOWSTATE_LOG_LEVEL',
    default: 'info',
    description: `Log level: ${LOG_LEVELS.join(', ')}.`,
  },
  {
    name: 'FLOWSTATE_WORKER_CONCURRENCY',
    description: 'How many steps the engine runs at once (engine default if unset).',
  },
  {
    name: 'FLOWSTATE_SQLITE_SYNCHRONOUS',
    default: 'FULL',
    description:
      'SQLite `synchronous` pragma: FULL (every commit on disk) or NORMAL (faster; may lose the last commits on power loss).',
  },
  {
    name: 'FLOWSTATE_ROLE',
    default: 'all',
    description:
      'all: HTTP API, webhooks, steps, schedules and retention. api: HTTP API and webhooks; runs no steps (workers do). worker: runs steps, schedules and retention; serves only /healthz, /readyz and /metrics. api and worker need DATABASE_URL: the embedded SQLite store serves one process.',
  },
  {
    name: 'FLOWSTATE_SHUTDOWN_GRACE_MS',
    default: '10000',
    description:
      'On SIGTERM: how long running steps may take to finish; after it they are abandoned and their leases released, so they run again elsewhere.',
  },
  {
    name: 'FLOWSTATE_LEASE_MS',
    default: '30000',
    description:
      'How long a worker holds a claimed step (renewed every third of it). A worker that stops answering (crash, pause, partition) loses its steps to other workers after this; its late results are refused.',
  },
  {
    name: 'FLOWSTATE_RETENTION_DAYS',
    default: '30',
    description:
      'Days to keep succeeded and cancelled executions (0 keeps them forever). The retention setting (PUT /api/v1/settings/retention) overrides it.',
  },
  {
    name: 'FLOWSTATE_RETENTION_FAILED_DAYS',
    default: '90',
    description:
      'Days to keep failed executions (0 keeps them forever); at least FLOWSTATE_RETENTION_DAYS.',
  },
  {
    name: 'FLOWSTATE_PRUNE_INTERVAL_MS',
    default: '3600000',
    description:
      'How often executions past retention are deleted (500 per transaction) and the space reclaimed; 0 turns automatic pruning off.',
  },
  {
    name: 'FLOWSTATE_SECRET_KEY',
    description:
      'Key that encrypts credentials: 32 random bytes as base64 or hex (openssl rand -base64 32). Unset: one is generated once into <data dir>/secret.key (mode 0600). Required with DATABASE_URL.',
  },
  {
    name: 'FLOWSTATE_SECRET_KEY_PREVIOUS',
    description:
      'Older keys (comma-separated), still accepted to decrypt after a key change; run "flowstate credentials rotate" to re-encrypt, then drop them.',
  },
  {
    name: 'FLOWSTATE_METRICS_TOKEN',
    description:
      'Bearer token that may read /metrics without signing in (for Prometheus); admins can always read it.',
  },
  {
    name: 'FLOWSTATE_COOKIE_SECURE',
    default: 'auto',
    description:
      'Secure flag of session cookies: auto (when the request came over https; behind a proxy set FLOWSTATE_TRUST_PROXY), true or false.',
  },
  {
    name: 'FLOWSTATE_SESSION_TTL_HOURS',
    default: '168',
    description: 'How long a sign-in lasts at most.',
  },
  {
    name: 'FLOWSTATE_SESSION_IDLE_MINUTES',
    default: '720',
    description: 'A session unused for this long ends.',
  },
  {
    name: 'FLOWSTATE_LOGIN_RATE_LIMIT',
    default: '10/min',
    description:
      'Sign-in attempts allowed per client address and email (N/s, N/min, N/h or off); more get 429 with Retry-After.',
  },
  {
    name: 'FLOWSTATE_WEBHOOK_RATE_LIMIT',
    default: 'off',
    description:
      "Calls allowed per webhook path (N/s, N/min, N/h or off); more get 429 with Retry-After. A trigger's rateLimit param overrides it.",
  },
  {
    name: 'FLOWSTATE_TRUST_PROXY',
    default: 'false',
    description:
      'true when behind a reverse proxy: client addresses and https are read from X-Forwarded-For/-Proto.',
  },
  {
    name: 'FLOWSTATE_SCRIPT_MAX_TIMEOUT_MS',
    default: '30000',
    description: 'Largest time limit (timeoutMs) a script.js node may set; its default is 1000 ms.',
  },
  {
    name: 'FLOWSTATE_SCRIPT_MAX_MEMORY_MB',
    default: '256',
    description:
      'Largest memory limit (memoryLimitMb) a script.js node may set; its default is 32 MiB.',
  },
  {
    name: 'FLOWSTATE_SCRIPT_WORKERS',
    default: '2',
    description:
      'Worker threads that run script.js code at once, off the event loop; more scripts wait their turn.',
  },
  {
    name: 'FLOWSTATE_HEAP_GROWTH_PERCENT',
    default: '100',
    description:
      'How far the JavaScript heap may grow past its live size before a full garbage collection, in percent (0: V8 decides). Under load V8 lets garbage pile up to about four times the live heap; 100 keeps the resident memory of a busy server about 50 MiB lower for the same throughput.',
  },
];
