import type { Workflow } from '@flowstate/core';

export type { Workflow };
export type WorkflowNode = Workflow['nodes'][number];
export type WorkflowEdge = Workflow['edges'][number];

export type Role = 'owner' | 'admin' | 'editor' | 'viewer';

export interface User {
  id: string;
  email: string;
  name?: string;
  role: Role;
}

export interface Me {
  user: User;
  role: Role;
  via: 'session' | 'api-key';
}

export type ExecutionStatus = 'running' | 'paused' | 'succeeded' | 'failed' | 'cancelled';
export type StepStatus =
  'ready' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';

export interface StepError {
  code: string;
  message: string;
  details?: Array<{ path?: string; message: string }>;
}

export interface ExecutionRecord {
  id: string;
  workflowId: string;
  workflowVersion: number;
  status: ExecutionStatus;
  seq: number;
  triggerNodeId: string;
  input?: unknown;
  output?: unknown;
  error?: StepError;
  parentExecutionId?: string;
  parentStepKey?: string;
  rerunOf?: string;
  /** A simulation: side-effecting nodes recorded what they would do. */
  simulate?: true;
  createdAt: number;
  updatedAt: number;
  finishedAt?: number;
}

export interface StepRecord {
  executionId: string;
  key: string;
  nodeId: string;
  nodeType?: string;
  status: StepStatus;
  attempt: number;
  input?: unknown;
  output?: unknown;
  port?: string;
  error?: StepError;
  startedAt?: number;
  finishedAt?: number;
  durationMs?: number;
}

/** A node type as the server describes it: its parameters as JSON Schema. */
export interface NodeTypeInfo {
  type: string;
  name: string;
  group: 'trigger' | 'action' | 'control' | 'data' | 'crm' | 'ai';
  description: string;
  icon?: string;
  sideEffects: boolean;
  trigger: boolean;
  /** Fixed output ports, or undefined when they depend on the params (switch). */
  ports?: string[];
  params: Record<string, unknown>;
}
