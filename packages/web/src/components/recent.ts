const KEY = 'flowstate.recent';
const MAX = 8;

export interface RecentWorkflow {
  id: string;
  name: string;
}

/** Workflows opened lately in this browser, newest first. */
export function recentWorkflows(): RecentWorkflow[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(KEY) ?? '[]');
    return Array.isArray(parsed) ? (parsed as RecentWorkflow[]) : [];
  } catch {
    return [];
  }
}

export function rememberWorkflow(workflow: RecentWorkflow): void {
  const next = [workflow, ...recentWorkflows().filter((w) => w.id !== workflow.id)].slice(0, MAX);
  localStorage.setItem(KEY, JSON.stringify(next));
}
