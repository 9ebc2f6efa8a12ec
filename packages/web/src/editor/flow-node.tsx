import { Handle, Position, type NodeProps, type Node } from '@xyflow/react';
import { memo } from 'react';
import type { NodeTypeInfo, StepStatus, WorkflowNode } from '../api/types';

/** What the canvas shows of one node beyond the document: run state, problems, diff marks. */
export interface FlowNodeData extends Record<string, unknown> {
  node: WorkflowNode;
  info: NodeTypeInfo | undefined;
  ports: string[];
  trigger: boolean;
  container: boolean;
  status?: StepStatus;
  /** Steps of this node in the run (loop iterations count each). */
  count?: number;
  problems?: string[];
  diff?: 'added' | 'removed' | 'changed';
}

export type FlowNodeType = Node<FlowNodeData, 'flowstate'>;

const GROUP_ICONS: Record<string, string> = {
  trigger: '⚡',
  action: '➜',
  control: '◆',
  data: '▤',
  crm: '☺',
  ai: '✦',
};

/** One workflow node on the canvas: a handle per output port, labelled. */
export const FlowNode = memo(function FlowNode({ data, selected }: NodeProps<FlowNodeType>) {
  const { node, info, ports, trigger, container, status, count, problems, diff } = data;
  const classes = [
    'fs-node',
    container ? 'fs-container' : '',
    status ? `run-${status}` : '',
    diff ? `diff-${diff}` : '',
    problems && problems.length > 0 ? 'has-problems' : '',
    node.disabled ? 'disabled' : '',
    selected ? 'selected' : '',
  ].join(' ');
  return (
    <div
      className={classes}
      style={node.color ? { borderLeftColor: node.color } : undefined}
      data-testid={`node-${node.id}`}
      data-status={status ?? ''}
      aria-label={`${node.name} (${info?.name ?? node.type})${status ? `, ${status}` : ''}`}
    >
      {!trigger && (
        <Handle type="target" position={Position.Left} id="in" aria-label={`${node.name} input`} />
      )}
      <div className="fs-node-head">
        <span className="fs-node-icon" aria-hidden>
          {GROUP_ICONS[info?.group ?? 'action']}
        </span>
        <span className="fs-node-name">{node.name}</span>
        {count !== undefined && count > 1 && (
          <span className="fs-node-count" title="steps in this run">
            ×{count}
          </span>
        )}
      </div>
      <div className="fs-node-type muted">{info?.name ?? node.type}</div>
      {status && <div className={`fs-node-status status-${status}`}>{status}</div>}
      {problems && problems.length > 0 && (
        <div className="fs-node-problems" role="note" title={problems.join('\n')}>
          ⚠ {problems.length} problem{problems.length === 1 ? '' : 's'}
        </div>
      )}
      <div className="fs-ports">
        {ports.map((port, index) => (
          <div
            key={port}
            className="fs-port"
            style={{ top: `${((index + 1) / (ports.length + 1)) * 100}%` }}
          >
            {ports.length > 1 && <span className="fs-port-label">{port}</span>}
            <Handle
              type="source"
              position={Position.Right}
              id={port}
              aria-label={`${node.name} output ${port}`}
            />
          </div>
        ))}
      </div>
    </div>
  );
});

/** A sticky note on the canvas (editor metadata, never runs). */
export interface StickyData extends Record<string, unknown> {
  text: string;
  color?: string;
  onText(text: string): void;
}
export type StickyNodeType = Node<StickyData, 'sticky'>;

export const StickyNode = memo(function StickyNode({ data }: NodeProps<StickyNodeType>) {
  return (
    <div className="fs-sticky" style={data.color ? { background: data.color } : undefined}>
      <textarea
        aria-label="Sticky note"
        className="nodrag"
        defaultValue={data.text}
        onBlur={(e) => {
          if (e.target.value !== data.text) data.onText(e.target.value);
        }}
      />
    </div>
  );
});
