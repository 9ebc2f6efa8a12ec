import { create } from 'zustand';
import { api } from '../api/client';
import type { NodeTypeInfo, WorkflowNode } from '../api/types';

/** Node types from `GET /api/v1/node-types`, loaded once per page. */
export const useNodeTypes = create<{
  types: Map<string, NodeTypeInfo>;
  loaded: boolean;
  load(): Promise<void>;
}>((set, get) => ({
  types: new Map(),
  loaded: false,
  async load() {
    if (get().loaded) return;
    const { items } = await api<{ items: NodeTypeInfo[] }>('GET', '/node-types');
    set({ types: new Map(items.map((t) => [t.type, t])), loaded: true });
  },
}));

export const GROUP_LABELS: Record<NodeTypeInfo['group'], string> = {
  trigger: 'Triggers',
  action: 'Actions',
  control: 'Control',
  data: 'Data',
  crm: 'CRM',
  ai: 'AI',
};
export const GROUP_ORDER: NodeTypeInfo['group'][] = [
  'trigger',
  'action',
  'control',
  'data',
  'crm',
  'ai',
];

/** The container node types: the nodes whose `parentId` names them run inside them. */
export const CONTAINER_TYPES = new Set(['flow.loop']);

/** The output ports of a node as drawn (the `error` port when it routes its errors). */
export function outputPorts(node: WorkflowNode, info: NodeTypeInfo | undefined): string[] {
  let ports: string[];
  if (info?.ports) ports = [...info.ports];
  else if (node.type === 'flow.switch') {
    const cases = Array.isArray(node.params.cases)
      ? (node.params.cases as Array<{ port?: unknown }>)
      : [];
    ports = [
      ...new Set(
        cases.map((c) => c.port).filter((p): p is string => typeof p === 'string' && p !== ''),
      ),
    ];
    ports.push('default');
  } else ports = ['out'];
  if (node.onError === 'route' && !ports.includes('error')) ports.push('error');
  return ports;
}

export function isTrigger(node: WorkflowNode, info: NodeTypeInfo | undefined): boolean {
  return info?.trigger ?? node.type.startsWith('trigger.');
}
