import type { TestProject } from 'vitest/node';
import { postgresRequired, probePostgres } from './pg-test-env.js';

/**
 * Vitest global setup of the integration tests: probes PostgreSQL once per run and hands the
 * result to the test files (`pgTestEnv()`), printing one line when their tests are skipped.
 */
export default async function setup(project: TestProject): Promise<void> {
  const probe = await probePostgres();
  if (!probe.reachable && !postgresRequired()) {
    console.warn(
      `PostgreSQL not reachable at ${probe.url} (${probe.reason}): PostgreSQL tests skipped (set FLOWSTATE_REQUIRE_PG=1 to fail instead)`,
    );
  }
  project.provide('flowstatePostgres', probe);
}
