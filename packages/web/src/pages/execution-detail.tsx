import { ReactFlowProvider } from '@xyflow/react';
import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, ApiError } from '../api/client';
import type { Role, Workflow } from '../api/types';
import { Canvas } from '../editor/canvas';
import { overlayOf, useLiveExecution } from '../editor/live';
import { useNodeTypes } from '../editor/node-types';
import { Inspector, Timeline, useExecutionDetail } from '../editor/run-panel';
import { useEditor } from '../editor/store';

/** One execution: the workflow drawn with its run state, the timeline, the inspector, actions. */
export function ExecutionDetailPage({ role }: { role: Role }) {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const live = useLiveExecution(id);
  const detail = useExecutionDetail(id, live);
  const loadTypes = useNodeTypes((s) => s.load);
  const [definition, setDefinition] = useState<Workflow>();
  const [selected, setSelected] = useState<string>();
  const [error, setError] = useState<string>();
  const execution = detail?.execution;

  useEffect(() => void loadTypes().catch(() => undefined), [loadTypes]);
  const workflowId = execution?.workflowId;
  const workflowVersion = execution?.workflowVersion;
  useEffect(() => {
    if (workflowId === undefined || workflowVersion === undefined) return;
    void api<{ definition: Workflow }>(
      'GET',
      `/workflows/${encodeURIComponent(workflowId)}/versions/${workflowVersion}`,
    ).then(
      (v) => {
        setDefinition(v.definition);
        useEditor.getState().load(`execution:${id}`, v.definition, workflowVersion);
      },
      () => undefined,
    );
  }, [id, workflowId, workflowVersion]);

  const overlay = useMemo(() => overlayOf(live.steps.values()), [live]);
  const act = async (action: 'cancel' | 'retry' | 'rerun' | 'pause' | 'resume') => {
    setError(undefined);
    try {
      const result = await api<{ executionId?: string }>(
        'POST',
        `/executions/${encodeURIComponent(id)}/${action}`,
      );
      if (action === 'rerun' && result.executionId)
        void navigate(`/executions/${result.executionId}`);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  };
  const canAct = role !== 'viewer';
  const status = live.execution?.status ?? execution?.status;
  const step = detail?.steps.find((s) => s.key === selected);

  return (
    <main className="fs-execution">
      <div className="toolbar page-head">
        <h1>
          Execution <span className="mono">{id.slice(0, 13)}</span>
        </h1>
        <strong className={`status-${status ?? ''}`} data-testid="execution-status">
          {status ?? '…'}
        </strong>
        {execution?.simulate && (
          <span className="tag" title="Side-effecting nodes recorded what they would do">
            simulated
          </span>
        )}
        {execution && (
          <Link to={`/workflows/${encodeURIComponent(execution.workflowId)}`}>
            {execution.workflowId} v{execution.workflowVersion}
          </Link>
        )}
        {detail?.parent && (
          <Link to={`/executions/${detail.parent.executionId}`}>Parent execution</Link>
        )}
        {canAct && (
          <>
            {status === 'running' && (
              <button type="button" onClick={() => void act('pause')}>
                Pause
              </button>
            )}
            {status === 'paused' && (
              <button type="button" onClick={() => void act('resume')}>
                Resume
              </button>
            )}
            {(status === 'running' || status === 'paused') && (
              <button type="button" className="danger" onClick={() => void act('cancel')}>
                Cancel
              </button>
            )}
            {status === 'failed' && (
              <button type="button" onClick={() => void act('retry')}>
                Retry from failed step
              </button>
            )}
            <button type="button" onClick={() => void act('rerun')}>
              Re-run
            </button>
          </>
        )}
      </div>
      {error && (
        <p role="alert" className="error-text">
          {error}
        </p>
      )}
      {execution?.error && (
        <pre className="error-text" role="alert">
          {execution.error.code}: {execution.error.message}
        </pre>
      )}
      <div className="fs-execution-body">
        <div className="fs-execution-canvas">
          {definition && (
            <ReactFlowProvider>
              <Canvas overlay={overlay} readOnly />
            </ReactFlowProvider>
          )}
        </div>
        <div className="fs-run">
          <div className="fs-run-left">
            {detail && (
              <Timeline
                steps={detail.steps}
                {...(selected ? { selected } : {})}
                onSelect={setSelected}
              />
            )}
          </div>
          <div className="fs-run-right">
            {definition && <Inspector step={step} doc={definition} />}
          </div>
        </div>
        {detail?.children && detail.children.length > 0 && (
          <section aria-label="Sub-workflow runs">
            <h2>Sub-workflow runs</h2>
            <ul>
              {detail.children.map((c) => (
                <li key={c.id}>
                  <Link to={`/executions/${c.id}`}>{c.id.slice(0, 13)}</Link> {c.workflowId}{' '}
                  <span className={`status-${c.status}`}>{c.status}</span>
                </li>
              ))}
            </ul>
          </section>
        )}
      </div>
    </main>
  );
}
