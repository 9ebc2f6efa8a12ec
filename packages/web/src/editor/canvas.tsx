import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  applyNodeChanges,
  type Connection,
  type Edge,
  type Node,
  type NodeChange,
  type EdgeChange,
  type FinalConnectionState,
  type ReactFlowInstance,
} from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import type { StepStatus, Workflow, WorkflowNode } from '../api/types';
import { FlowNode, StickyNode, type FlowNodeData } from './flow-node';
import { CONTAINER_TYPES, isTrigger, outputPorts, useNodeTypes } from './node-types';
import { addEdge, removeEdges, removeNodes, updateNode, useEditor, wouldCycle } from './store';

/** Run state drawn over the nodes (test runs, execution detail). */
export interface RunOverlay {
  status: Map<string, StepStatus>;
  counts: Map<string, number>;
}

export interface CanvasProps {
  overlay?: RunOverlay;
  /** Problems by node id (validation). */
  problems?: Map<string, string[]>;
  diff?: Map<string, 'added' | 'removed' | 'changed'>;
  readOnly?: boolean;
  /** Called when a node type is dropped from the palette at a flow position. */
  onDropType?(type: string, position: { x: number; y: number }, parentId?: string): void;
  onMessage?(message: string): void;
  onInit?(instance: ReactFlowInstance): void;
}

const NODE_TYPES = { flowstate: FlowNode, sticky: StickyNode };
const NODE_WIDTH = 180;
const NODE_HEIGHT = 64;

/** Size of a container from the nodes inside it (positions are relative to it). */
function containerSize(doc: Workflow, id: string): { width: number; height: number } {
  let width = 320;
  let height = 180;
  for (const child of doc.nodes) {
    if (child.parentId !== id || !child.position) continue;
    width = Math.max(width, child.position.x + NODE_WIDTH + 40);
    height = Math.max(height, child.position.y + NODE_HEIGHT + 40);
  }
  return { width, height };
}

function defaultPosition(index: number): { x: number; y: number } {
  return { x: 40 + (index % 6) * 240, y: 40 + Math.floor(index / 6) * 140 };
}

/** The workflow document as React Flow nodes and edges. */
export function toFlow(
  doc: Workflow,
  types: ReturnType<typeof useNodeTypes.getState>['types'],
  selection: ReadonlySet<string>,
  props: Pick<CanvasProps, 'overlay' | 'problems' | 'diff'>,
  onStickyText: (id: string, text: string) => void,
): { nodes: Node[]; edges: Edge[] } {
  const containers = doc.nodes.filter((n) => CONTAINER_TYPES.has(n.type));
  const others = doc.nodes.filter((n) => !CONTAINER_TYPES.has(n.type));
  const ordered = [...containers, ...others]; // React Flow wants parents first
  const nodes: Node[] = ordered.map((node, index) => {
    const info = types.get(node.type);
    const container = CONTAINER_TYPES.has(node.type);
    const data: FlowNodeData = {
      node,
      info,
      ports: outputPorts(node, info),
      trigger: isTrigger(node, info),
      container,
      ...(props.overlay?.status.has(node.id) ? { status: props.overlay.status.get(node.id)! } : {}),
      ...(props.overlay?.counts.has(node.id) ? { count: props.overlay.counts.get(node.id)! } : {}),
      ...(props.problems?.has(node.id) ? { problems: props.problems.get(node.id)! } : {}),
      ...(props.diff?.has(node.id) ? { diff: props.diff.get(node.id)! } : {}),
    };
    return {
      id: node.id,
      type: 'flowstate',
      position: node.position ?? defaultPosition(index),
      data,
      selected: selection.has(node.id),
      ...(node.parentId ? { parentId: node.parentId, extent: 'parent' as const } : {}),
      ...(container ? { style: containerSize(doc, node.id), zIndex: -1 } : {}),
    };
  });
  for (const note of doc.stickyNotes ?? []) {
    nodes.push({
      id: note.id,
      type: 'sticky',
      position: note.position,
      data: {
        text: note.text,
        color: note.color,
        onText: (text: string) => onStickyText(note.id, text),
      },
      selected: selection.has(note.id),
      style: { width: note.width ?? 200, height: note.height ?? 120 },
      zIndex: -2,
    });
  }
  const edges: Edge[] = doc.edges.map((edge) => ({
    id: edge.id,
    source: edge.from,
    target: edge.to,
    sourceHandle: edge.port ?? 'out',
    targetHandle: 'in',
    selected: selection.has(edge.id),
    ...(edge.port && edge.port !== 'out' ? { label: edge.port } : {}),
    ...(props.diff?.has(edge.id) ? { className: `diff-${props.diff.get(edge.id)}` } : {}),
  }));
  return { nodes, edges };
}

/** Why a connection is refused, or undefined when it may be made. */
export function connectionProblem(doc: Workflow, connection: Connection): string | undefined {
  const from = doc.nodes.find((n) => n.id === connection.source);
  const to = doc.nodes.find((n) => n.id === connection.target);
  if (!from || !to) return 'Connect two workflow nodes.';
  if (from.id === to.id) return `"${from.name}" cannot feed itself.`;
  const info = useNodeTypes.getState().types.get(to.type);
  if (isTrigger(to, info)) return `"${to.name}" is a trigger: nothing connects into it.`;
  if ((from.parentId ?? '') !== (to.parentId ?? '')) {
    return `"${from.name}" and "${to.name}" are not in the same container: a loop's body connects only inside it.`;
  }
  const port = connection.sourceHandle ?? 'out';
  if (doc.edges.some((e) => e.from === from.id && e.to === to.id && (e.port ?? 'out') === port)) {
    return `"${from.name}" ${port} already connects to "${to.name}".`;
  }
  if (wouldCycle(doc, from.id, to.id)) {
    return `Connecting "${from.name}" to "${to.name}" would make a cycle; use a Loop node to repeat steps.`;
  }
  return undefined;
}

/** Folds React Flow's select/deselect changes (nodes or edges) into the editor's selection. */
function applySelection(changes: ReadonlyArray<NodeChange | EdgeChange>): void {
  let next: Set<string> | undefined;
  for (const change of changes) {
    if (change.type !== 'select') continue;
    next ??= new Set(useEditor.getState().selection);
    if (change.selected) next.add(change.id);
    else next.delete(change.id);
  }
  if (next) useEditor.getState().select(next);
}

/** The graph view of the edited document. */
export function Canvas(props: CanvasProps) {
  const doc = useEditor((s) => s.doc);
  const selection = useEditor((s) => s.selection);
  const change = useEditor((s) => s.change);
  const types = useNodeTypes((s) => s.types);
  const wrapper = useRef<HTMLDivElement>(null);
  const instance = useRef<ReactFlowInstance | null>(null);

  const onStickyText = useCallback(
    (id: string, text: string) =>
      change((d) => ({
        ...d,
        stickyNotes: (d.stickyNotes ?? []).map((s) => (s.id === id ? { ...s, text } : s)),
      })),
    [change],
  );
  const flow = useMemo(
    () => toFlow(doc, types, selection, props, onStickyText),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [doc, types, selection, props.overlay, props.problems, props.diff, onStickyText],
  );
  // Local copy of the nodes so dragging is smooth; the document changes once, on drop.
  const [nodes, setNodes] = useState<Node[]>(flow.nodes);
  useEffect(() => setNodes(flow.nodes), [flow.nodes]);

  const onNodesChange = useCallback(
    (changes: NodeChange[]) => {
      setNodes((current) => applyNodeChanges(changes, current));
      applySelection(changes);
      const resized = changes.filter(
        (c): c is NodeChange & { type: 'dimensions' } =>
          c.type === 'dimensions' && c.resizing === true,
      );
      if (resized.length > 0 && !props.readOnly) {
        change((d) => ({
          ...d,
          stickyNotes: (d.stickyNotes ?? []).map((s) => {
            const r = resized.find((c) => c.id === s.id);
            return r?.dimensions
              ? { ...s, width: r.dimensions.width, height: r.dimensions.height }
              : s;
          }),
        }));
      }
    },
    [change, props.readOnly],
  );

  // Deleting nodes and their edges is one edit (one undo step), whatever React Flow reports.
  const onDelete = useCallback(
    ({ nodes: gone, edges: goneEdges }: { nodes: Node[]; edges: Edge[] }) => {
      if (props.readOnly) return;
      change((d) =>
        removeEdges(
          removeNodes(
            d,
            gone.map((n) => n.id),
          ),
          goneEdges.map((e) => e.id),
        ),
      );
    },
    [change, props.readOnly],
  );

  const onNodeDragStop = useCallback(
    (_event: unknown, _node: Node, dragged: Node[]) => {
      if (props.readOnly) return;
      const moved = new Map(dragged.map((n) => [n.id, n.position]));
      change((d) => {
        let next: Workflow = d;
        for (const [id, position] of moved) {
          const p = { x: Math.round(position.x), y: Math.round(position.y) };
          if (d.nodes.some((n) => n.id === id)) next = updateNode(next, id, { position: p });
          else
            next = {
              ...next,
              stickyNotes: (next.stickyNotes ?? []).map((s) =>
                s.id === id ? { ...s, position: p } : s,
              ),
            };
        }
        return next;
      });
    },
    [change, props.readOnly],
  );

  const onConnect = useCallback(
    (connection: Connection) => {
      const problem = connectionProblem(useEditor.getState().doc, connection);
      if (problem) {
        props.onMessage?.(problem);
        return;
      }
      change((d) =>
        addEdge(d, {
          from: connection.source,
          to: connection.target,
          port: connection.sourceHandle ?? 'out',
        }),
      );
    },
    [change, props],
  );

  // A connection dropped on a node that refuses it says why (React Flow only draws it red).
  const onConnectEnd = useCallback(
    (_event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      if (state.isValid || !state.fromNode || !state.toNode) return;
      const problem = connectionProblem(useEditor.getState().doc, {
        source: state.fromNode.id,
        target: state.toNode.id,
        sourceHandle: state.fromHandle?.id ?? null,
        targetHandle: state.toHandle?.id ?? null,
      });
      if (problem) props.onMessage?.(problem);
    },
    [props],
  );

  const isValidConnection = useCallback(
    (connection: Connection | Edge) =>
      connectionProblem(useEditor.getState().doc, {
        source: connection.source,
        target: connection.target,
        sourceHandle: connection.sourceHandle ?? null,
        targetHandle: connection.targetHandle ?? null,
      }) === undefined,
    [],
  );

  const onDragOver = useCallback((event: DragEvent) => {
    if (event.dataTransfer.types.includes('application/x-flowstate-node-type')) {
      event.preventDefault();
      event.dataTransfer.dropEffect = 'copy';
    }
  }, []);

  const onDrop = useCallback(
    (event: DragEvent) => {
      const type = event.dataTransfer.getData('application/x-flowstate-node-type');
      if (!type || !instance.current || props.readOnly) return;
      event.preventDefault();
      const position = instance.current.screenToFlowPosition({
        x: event.clientX,
        y: event.clientY,
      });
      // Dropped inside a container: the new node joins its body.
      const container = instance.current
        .getIntersectingNodes({ x: position.x, y: position.y, width: 1, height: 1 })
        .find((n) => n.type === 'flowstate' && (n.data as FlowNodeData).container);
      if (container) {
        const origin =
          instance.current.getInternalNode(container.id)?.internals.positionAbsolute ??
          container.position;
        props.onDropType?.(
          type,
          { x: position.x - origin.x, y: position.y - origin.y },
          container.id,
        );
      } else props.onDropType?.(type, position);
    },
    [props],
  );

  return (
    <div className="fs-canvas" ref={wrapper} onDragOver={onDragOver} onDrop={onDrop}>
      <ReactFlow
        nodes={nodes}
        edges={flow.edges}
        nodeTypes={NODE_TYPES}
        onNodesChange={onNodesChange}
        onEdgesChange={applySelection}
        onNodeDragStop={onNodeDragStop}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        onDelete={onDelete}
        isValidConnection={isValidConnection}
        onInit={(i) => {
          instance.current = i;
          props.onInit?.(i);
        }}
        nodesDraggable={!props.readOnly}
        nodesConnectable={!props.readOnly}
        elementsSelectable
        deleteKeyCode={props.readOnly ? null : ['Delete', 'Backspace']}
        multiSelectionKeyCode={['Shift', 'Meta', 'Control']}
        selectionOnDrag={false}
        onlyRenderVisibleElements
        minZoom={0.05}
        fitView
        fitViewOptions={{ maxZoom: 1, padding: 0.2 }}
        proOptions={{ hideAttribution: true }}
        colorMode={document.documentElement.dataset.theme === 'dark' ? 'dark' : 'light'}
      >
        <Background />
        <MiniMap pannable zoomable ariaLabel="Minimap" />
        <Controls />
      </ReactFlow>
    </div>
  );
}

export type { WorkflowNode };
