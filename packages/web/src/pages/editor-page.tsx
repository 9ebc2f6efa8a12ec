import type { ReactFlowInstance } from '@xyflow/react';
import { ReactFlowProvider } from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useParams } from 'react-router';
import { api, ApiError } from '../api/client';
import type { Role, Workflow } from '../api/types';
import { rememberWorkflow } from '../components/recent';
import { Canvas } from '../editor/canvas';
import { copySelection, parseFragment, pasteFragment } from '../editor/clipboard';
import { CommandPalette, ShortcutHelp, type Command } from '../editor/command-palette';
import { ListView } from '../editor/list-view';
import { overlayOf, useLiveExecution } from '../editor/live';
import { useNodeTypes } from '../editor/node-types';
import { Palette } from '../editor/palette';
import { PropertiesPanel, type FieldProblem, type RunData } from '../editor/properties-panel';
import { Inspector, TestRunControls, Timeline, useExecutionDetail } from '../editor/run-panel';
import { addNode, freshId, freshName, removeNodes, useEditor } from '../editor/store';
import { VersionsPanel, type DiffOverlay } from '../editor/versions-panel';
import { useValidation } from '../editor/validation';

interface WorkflowView {
  id: string;
  name: string;
  active: boolean;
  draftVersion: number;
  publishedVersion?: number;
  definition: Workflow;
}

/** Memory of the last copy when the system clipboard is not available (plain http). */
let localClipboard = '';

/** The workflow editor: palette, canvas or outline, properties, test runs, versions. */
export function EditorPage({ role }: { role: Role }) {
  const { id = '' } = useParams();
  return (
    <ReactFlowProvider>
      <Editor key={id} workflowId={id} canEdit={role !== 'viewer'} />
    </ReactFlowProvider>
  );
}

function Editor({ workflowId, canEdit }: { workflowId: string; canEdit: boolean }) {
  const { doc, dirty, baseVersion, selection, load, change, select, undo, redo, markSaved } =
    useEditor();
  const canUndo = useEditor((state) => state.past.length > 0);
  const canRedo = useEditor((state) => state.future.length > 0);
  const loadTypes = useNodeTypes((s) => s.load);
  const types = useNodeTypes((s) => s.types);
  const [view, setView] = useState<WorkflowView>();
  const [error, setError] = useState<string>();
  const [message, setMessage] = useState<string>();
  const [mode, setMode] = useState<'canvas' | 'list' | 'split'>('canvas');
  const [tab, setTab] = useState<'run' | 'versions'>('run');
  const [palette, setPalette] = useState<'commands' | 'find' | undefined>();
  const [help, setHelp] = useState(false);
  const [executionId, setExecutionId] = useState<string>();
  const [inspected, setInspected] = useState<string>();
  const [diff, setDiff] = useState<DiffOverlay>();
  const [versionsKey, setVersionsKey] = useState(0);
  const [conflict, setConflict] = useState<{ message: string; details: string[] }>();
  const flow = useRef<ReactFlowInstance | null>(null);

  const reload = useCallback(async () => {
    const loaded = await api<WorkflowView>('GET', `/workflows/${encodeURIComponent(workflowId)}`);
    setView(loaded);
    load(workflowId, loaded.definition, loaded.draftVersion);
    rememberWorkflow({ id: loaded.id, name: loaded.name });
  }, [workflowId, load]);

  useEffect(() => {
    Promise.all([loadTypes(), reload()]).catch((e: unknown) =>
      setError(e instanceof ApiError ? e.message : String(e)),
    );
  }, [loadTypes, reload]);

  // Warn before leaving with unsaved changes.
  useEffect(() => {
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      if (useEditor.getState().dirty) e.preventDefault();
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, []);

  const problems = useValidation(doc, types.size > 0);
  const live = useLiveExecution(executionId);
  const detail = useExecutionDetail(executionId, live);
  const overlay = useMemo(
    () => (executionId ? overlayOf(live.steps.values()) : undefined),
    [executionId, live],
  );
  const runData: RunData = useMemo(() => {
    const steps: Record<string, unknown> = {};
    const inputs: Record<string, unknown> = {};
    for (const step of detail?.steps ?? []) {
      const node = doc.nodes.find((n) => n.id === step.nodeId);
      if (!node || step.key !== step.nodeId) continue;
      if (step.output !== undefined) steps[node.name] = step.output;
      if (step.input !== undefined) inputs[node.id] = step.input;
    }
    return { steps, inputs };
  }, [detail, doc.nodes]);

  const say = useCallback((text: string) => {
    setMessage(text);
    window.setTimeout(() => setMessage((m) => (m === text ? undefined : m)), 6000);
  }, []);

  const save = useCallback(
    async (options: { overwrite?: boolean; publish?: boolean } = {}): Promise<boolean> => {
      const state = useEditor.getState();
      setError(undefined);
      try {
        const expect = options.overwrite
          ? (await api<WorkflowView>('GET', `/workflows/${encodeURIComponent(workflowId)}`))
              .draftVersion
          : state.baseVersion;
        const saved = await api<WorkflowView>(
          'PUT',
          `/workflows/${encodeURIComponent(workflowId)}${options.publish ? '?publish=true' : ''}`,
          state.doc,
          expect === undefined ? {} : { 'if-match': `"${expect}"` },
        );
        setView(saved);
        markSaved(saved.draftVersion);
        setConflict(undefined);
        setVersionsKey((k) => k + 1);
        say(`Saved as version ${saved.draftVersion}${options.publish ? ' and published' : ''}.`);
        return true;
      } catch (e) {
        if (e instanceof ApiError && e.code === 'VERSION_CONFLICT') {
          setConflict({
            message: e.message,
            details: e.details.map((d) => `${d.path ?? ''} ${d.message}`),
          });
        } else
          setError(
            e instanceof ApiError
              ? `${e.message}${e.details.length ? `\n${e.details.map((d) => `${d.path ?? ''}: ${d.message}`).join('\n')}` : ''}`
              : String(e),
          );
        return false;
      }
    },
    [workflowId, markSaved, say],
  );

  const publish = useCallback(async () => {
    if (useEditor.getState().dirty) {
      await save({ publish: true });
      return;
    }
    try {
      const published = await api<WorkflowView>(
        'POST',
        `/workflows/${encodeURIComponent(workflowId)}/publish`,
        {},
      );
      setView(published);
      setVersionsKey((k) => k + 1);
      say(`Version ${published.publishedVersion} is published.`);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  }, [save, say, workflowId]);

  const testRun = useCallback(
    async (input: unknown, triggerNodeId: string | undefined, simulate: boolean) => {
      if (useEditor.getState().dirty && !(await save())) return;
      const started = await api<{ executionId: string }>(
        'POST',
        `/workflows/${encodeURIComponent(workflowId)}/test`,
        {
          input,
          ...(triggerNodeId ? { triggerNodeId } : {}),
          ...(simulate ? { simulate } : {}),
        },
      );
      setExecutionId(started.executionId);
      setTab('run');
    },
    [save, workflowId],
  );

  /** Re-runs the draft from a node, reusing the last run's outputs of the nodes before it. */
  const rerunFrom = useCallback(
    async (nodeId: string) => {
      if (!executionId) return;
      if (useEditor.getState().dirty && !(await save())) return;
      try {
        const started = await api<{ executionId: string }>(
          'POST',
          `/executions/${encodeURIComponent(executionId)}/rerun-from`,
          { nodeId, draft: true },
        );
        setExecutionId(started.executionId);
        say(`Re-running from "${doc.nodes.find((n) => n.id === nodeId)?.name ?? nodeId}".`);
      } catch (e) {
        setError(e instanceof ApiError ? e.message : String(e));
      }
    },
    [executionId, save, say, doc.nodes],
  );

  const addType = useCallback(
    (type: string, position?: { x: number; y: number }, parentId?: string) => {
      const info = useNodeTypes.getState().types.get(type);
      change((d) => {
        const selected = d.nodes.find((n) => useEditor.getState().selection.has(n.id));
        const at = position ??
          (selected?.position
            ? { x: selected.position.x + 240, y: selected.position.y }
            : flow.current?.screenToFlowPosition({
                x: window.innerWidth / 2,
                y: window.innerHeight / 3,
              })) ?? { x: 0, y: 0 };
        const id = freshId(d, type.split('.').pop() ?? type);
        const next = addNode(d, {
          id,
          type,
          name: freshName(d, info?.name ?? type),
          params: {},
          position: { x: Math.round(at.x), y: Math.round(at.y) },
          ...(parentId ? { parentId } : {}),
        });
        queueMicrotask(() => select([id]));
        return next;
      });
    },
    [change, select],
  );

  const addSticky = useCallback(() => {
    const at = flow.current?.screenToFlowPosition({
      x: window.innerWidth / 2,
      y: window.innerHeight / 2,
    }) ?? { x: 0, y: 0 };
    change((d) => {
      const id = freshId(
        { ...d, nodes: [...d.nodes, ...(d.stickyNotes ?? []).map((s) => ({ id: s.id }) as never)] },
        'note',
      );
      return {
        ...d,
        stickyNotes: [
          ...(d.stickyNotes ?? []),
          { id, text: 'Note', position: { x: Math.round(at.x), y: Math.round(at.y) } },
        ],
      };
    });
  }, [change]);

  const layout = useCallback(async () => {
    // ELK is large: loaded the first time someone lays a workflow out.
    const { autoLayout } = await import('../editor/layout');
    const laidOut = await autoLayout(useEditor.getState().doc);
    change(() => laidOut);
    requestAnimationFrame(() => void flow.current?.fitView({ padding: 0.1 }));
  }, [change]);

  const copy = useCallback(async () => {
    const fragment = copySelection(useEditor.getState().doc, useEditor.getState().selection);
    if (!fragment) return;
    const text = JSON.stringify(fragment);
    localClipboard = text;
    await navigator.clipboard?.writeText(text).catch(() => undefined);
    say(`Copied ${fragment.nodes.length} node(s).`);
  }, [say]);

  const paste = useCallback(
    async (text?: string) => {
      const source =
        text ?? (await navigator.clipboard?.readText().catch(() => undefined)) ?? localClipboard;
      const fragment = parseFragment(source || localClipboard);
      if (typeof fragment === 'string') return say(fragment);
      let ids: string[] = [];
      change((d) => {
        const result = pasteFragment(d, fragment);
        ids = result.ids;
        return result.doc;
      });
      select(ids);
      say(`Pasted ${fragment.nodes.length} node(s).`);
    },
    [change, select, say],
  );

  const focusNode = useCallback(
    (nodeId: string) => {
      select([nodeId]);
      const node = flow.current?.getNode(nodeId);
      if (node) void flow.current?.fitView({ nodes: [node], duration: 300, maxZoom: 1.2 });
    },
    [select],
  );

  // Keyboard shortcuts (outside text fields, except Ctrl+S / Ctrl+Enter / Ctrl+K).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      const typing = target.closest('input, textarea, select, [contenteditable="true"]') !== null;
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      if (mod && key === 's') {
        e.preventDefault();
        if (canEdit) void save();
      } else if (mod && key === 'k') {
        e.preventDefault();
        setPalette('commands');
      } else if (mod && key === 'f') {
        e.preventDefault();
        setPalette('find');
      } else if (typing) {
        return;
      } else if (mod && key === 'z') {
        e.preventDefault();
        if (e.shiftKey) redo();
        else undo();
      } else if (mod && key === 'y') {
        e.preventDefault();
        redo();
      } else if (mod && key === 'c') {
        void copy();
      } else if (mod && key === 'v') {
        if (canEdit) void paste();
      } else if (mod && key === 'a') {
        e.preventDefault();
        select(useEditor.getState().doc.nodes.map((n) => n.id));
      } else if (mod && key === 'l') {
        e.preventDefault();
        setMode((m) => (m === 'canvas' ? 'list' : 'canvas'));
      } else if (e.shiftKey && key === 'l') {
        if (canEdit) void layout();
      } else if (key === 'n' && !mod && canEdit) {
        addSticky();
      } else if (e.key === '?') {
        setHelp(true);
      } else if (e.key === 'Escape') {
        select([]);
        setPalette(undefined);
      } else if ((e.key === 'Delete' || e.key === 'Backspace') && mode === 'list' && canEdit) {
        change((d) => removeNodes(d, useEditor.getState().selection));
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [canEdit, save, undo, redo, copy, paste, select, layout, addSticky, mode, change]);

  const commands: Command[] = useMemo(() => {
    if (palette === 'find') {
      return doc.nodes.map((n) => ({
        id: `find-${n.id}`,
        label: n.name,
        hint: n.type,
        run: () => focusNode(n.id),
      }));
    }
    const list: Command[] = [
      { id: 'save', label: 'Save', hint: 'Ctrl+S', run: () => void save() },
      { id: 'publish', label: 'Publish', run: () => void publish() },
      { id: 'undo', label: 'Undo', hint: 'Ctrl+Z', run: undo },
      { id: 'redo', label: 'Redo', hint: 'Ctrl+Shift+Z', run: redo },
      { id: 'layout', label: 'Auto-layout', hint: 'Shift+L', run: () => void layout() },
      { id: 'list', label: 'Show list view', hint: 'Ctrl+L', run: () => setMode('list') },
      { id: 'canvas', label: 'Show canvas', run: () => setMode('canvas') },
      { id: 'split', label: 'Show canvas and list side by side', run: () => setMode('split') },
      { id: 'sticky', label: 'Add sticky note', hint: 'N', run: addSticky },
      {
        id: 'find',
        label: 'Find a node',
        hint: 'Ctrl+F',
        run: () => setTimeout(() => setPalette('find')),
      },
      { id: 'help', label: 'Keyboard shortcuts', hint: '?', run: () => setHelp(true) },
      { id: 'versions', label: 'Show versions', run: () => setTab('versions') },
    ];
    for (const t of types.values())
      list.push({
        id: `add-${t.type}`,
        label: `Add ${t.name}`,
        hint: t.type,
        run: () => addType(t.type),
      });
    return canEdit
      ? list
      : list.filter(
          (c) =>
            !['save', 'publish', 'layout', 'sticky'].includes(c.id) && !c.id.startsWith('add-'),
        );
  }, [
    palette,
    doc.nodes,
    types,
    canEdit,
    save,
    publish,
    undo,
    redo,
    layout,
    addSticky,
    addType,
    focusNode,
  ]);

  const selectedNode =
    selection.size === 1 ? doc.nodes.find((n) => selection.has(n.id)) : undefined;
  const nodeProblems: FieldProblem[] = selectedNode
    ? (problems.byNode.get(selectedNode.id) ?? [])
    : [];
  const inspectedStep = detail?.steps.find(
    (s) => s.key === (inspected ?? (selectedNode ? selectedNode.id : undefined)),
  );

  if (error && !view) {
    return (
      <main className="page">
        <p role="alert" className="error-text">
          {error}
        </p>
      </main>
    );
  }
  if (!view) return <main className="page muted">Loading…</main>;

  return (
    <main className="fs-editor">
      <div className="fs-editor-toolbar toolbar" role="toolbar" aria-label="Editor">
        <h1 className="fs-editor-title">{doc.name}</h1>
        <span className="muted small" aria-live="polite">
          draft v{baseVersion}
          {dirty ? ' · unsaved changes' : ''} ·{' '}
          {view.publishedVersion ? `published v${view.publishedVersion}` : 'not published'}
        </span>
        {canEdit && (
          <>
            <button type="button" onClick={() => void save()} disabled={!dirty}>
              Save
            </button>
            <button type="button" onClick={() => void publish()}>
              Publish
            </button>
            <button type="button" onClick={undo} aria-label="Undo" disabled={!canUndo}>
              ↶
            </button>
            <button type="button" onClick={redo} aria-label="Redo" disabled={!canRedo}>
              ↷
            </button>
            <button type="button" onClick={() => void layout()}>
              Auto-layout
            </button>
            <button type="button" onClick={addSticky}>
              Sticky note
            </button>
          </>
        )}
        <div role="radiogroup" aria-label="View" className="fs-segmented">
          {(['canvas', 'list', 'split'] as const).map((m) => (
            <button
              key={m}
              type="button"
              role="radio"
              aria-checked={mode === m}
              onClick={() => setMode(m)}
            >
              {m === 'canvas' ? 'Canvas' : m === 'list' ? 'List' : 'Both'}
            </button>
          ))}
        </div>
        <button type="button" onClick={() => setPalette('commands')} aria-label="Command palette">
          ⌘K
        </button>
        <button type="button" onClick={() => setHelp(true)} aria-label="Keyboard shortcuts">
          ?
        </button>
        <span className="fs-problems-count" aria-live="polite">
          {problems.count > 0
            ? `⚠ ${problems.count} problem${problems.count === 1 ? '' : 's'}`
            : '✓ valid'}
        </span>
      </div>
      {(message || error) && (
        <div role={error ? 'alert' : 'status'} className={`fs-banner${error ? ' error' : ''}`}>
          <pre>{error ?? message}</pre>
          <button
            type="button"
            aria-label="Dismiss"
            onClick={() => (error ? setError(undefined) : setMessage(undefined))}
          >
            ✕
          </button>
        </div>
      )}
      {conflict && (
        <div role="alert" className="fs-banner error">
          <div>
            <strong>Someone saved a newer version.</strong> {conflict.message}
            <ul>
              {conflict.details.slice(0, 10).map((d) => (
                <li key={d}>{d}</li>
              ))}
            </ul>
            <button type="button" onClick={() => void reload().then(() => setConflict(undefined))}>
              Load their version (discard mine)
            </button>{' '}
            <button type="button" className="danger" onClick={() => void save({ overwrite: true })}>
              Save mine over it
            </button>
          </div>
        </div>
      )}
      <div className={`fs-editor-body mode-${mode}`}>
        {canEdit && <Palette onAdd={(type) => addType(type)} />}
        <div className="fs-editor-center">
          {mode !== 'list' && (
            <Canvas
              {...(overlay ? { overlay } : {})}
              problems={problems.nodeMessages}
              {...(diff ? { diff: diff.marks } : {})}
              readOnly={!canEdit || diff !== undefined}
              onDropType={(type, position, parentId) => addType(type, position, parentId)}
              onMessage={say}
              onInit={(i) => (flow.current = i)}
            />
          )}
          {mode !== 'canvas' && <ListView />}
          {diff && (
            <div className="fs-diff-note" role="status">
              Showing v{diff.summary.from} → v{diff.summary.to}: green added, red removed, amber
              changed.
            </div>
          )}
        </div>
        {selectedNode && !diff && (
          <PropertiesPanel
            key={selectedNode.id}
            node={selectedNode}
            run={runData}
            problems={nodeProblems}
          />
        )}
      </div>
      <section className="fs-bottom" aria-label="Runs and versions">
        <div role="tablist" className="fs-tabs">
          <button
            type="button"
            role="tab"
            aria-selected={tab === 'run'}
            onClick={() => setTab('run')}
          >
            Test run
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={tab === 'versions'}
            onClick={() => setTab('versions')}
          >
            Versions
          </button>
        </div>
        {tab === 'run' ? (
          <div className="fs-run" role="tabpanel">
            <div className="fs-run-left">
              {canEdit && (
                <TestRunControls
                  doc={doc}
                  running={false}
                  onRun={testRun}
                  {...(live.execution ? { execution: live.execution } : {})}
                />
              )}
              {detail && (
                <Timeline
                  steps={detail.steps}
                  {...(inspected ? { selected: inspected } : {})}
                  onSelect={setInspected}
                />
              )}
            </div>
            <div className="fs-run-right">
              <Inspector
                step={inspectedStep}
                doc={doc}
                {...(canEdit && executionId
                  ? { onRerunFrom: (nodeId: string) => void rerunFrom(nodeId) }
                  : {})}
              />
            </div>
          </div>
        ) : (
          <div role="tabpanel">
            <VersionsPanel
              workflowId={workflowId}
              canEdit={canEdit}
              refreshKey={versionsKey}
              onShowDiff={(overlayDiff) => {
                setDiff(overlayDiff);
                if (overlayDiff)
                  load(workflowId, overlayDiff.doc, useEditor.getState().baseVersion ?? 0);
                else void reload();
              }}
              onPublished={() => void reload()}
            />
          </div>
        )}
      </section>
      {palette && (
        <CommandPalette
          commands={commands}
          onClose={() => setPalette(undefined)}
          placeholder={palette === 'find' ? 'Find a node by name' : 'Type a command'}
        />
      )}
      {help && <ShortcutHelp onClose={() => setHelp(false)} />}
    </main>
  );
}
