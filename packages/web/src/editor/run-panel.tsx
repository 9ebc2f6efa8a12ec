import { useEffect, useMemo, useState } from 'react';
import { api, ApiError } from '../api/client';
import type { ExecutionRecord, StepRecord, Workflow } from '../api/types';
import { JsonTree } from './json-tree';
import type { LiveExecution } from './live';

/** A step of `GET /executions/:id` (payloads inline or as links when large). */
export interface DetailStep extends StepRecord {
  nodeName?: string;
  inputLink?: { href: string; bytes: number };
  outputLink?: { href: string; bytes: number };
}
export interface ExecutionDetailView {
  execution: ExecutionRecord;
  steps: DetailStep[];
  children?: ExecutionRecord[];
  parent?: { executionId: string; stepKey?: string };
}

export function useExecutionDetail(executionId: string | undefined, live: LiveExecution) {
  const [detail, setDetail] = useState<ExecutionDetailView>();
  const finished =
    live.execution && ['succeeded', 'failed', 'cancelled'].includes(live.execution.status);
  useEffect(() => {
    if (!executionId) return setDetail(undefined);
    let cancelled = false;
    // Reloaded when the execution finishes (and on each change while it runs, at most every 500 ms).
    const timer = setTimeout(
      () =>
        void api<ExecutionDetailView>('GET', `/executions/${encodeURIComponent(executionId)}`).then(
          (d) => !cancelled && setDetail(d),
          () => undefined,
        ),
      finished ? 0 : 500,
    );
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [executionId, finished, live.version]);
  return detail;
}

/** Step timeline: one bar per step (loop iterations included) on a shared time axis. */
export function Timeline({
  steps,
  selected,
  onSelect,
}: {
  steps: DetailStep[];
  selected?: string;
  onSelect(key: string): void;
}) {
  const started = steps.map((s) => s.startedAt).filter((t): t is number => t !== undefined);
  const t0 = Math.min(...started);
  const t1 = Math.max(...steps.map((s) => s.finishedAt ?? s.startedAt ?? t0), t0 + 1);
  return (
    <ol className="fs-timeline" aria-label="Step timeline">
      {steps.map((step) => {
        const start = step.startedAt ?? step.finishedAt;
        const end = step.finishedAt ?? Date.now();
        const left = start === undefined ? 0 : ((start - t0) / (t1 - t0)) * 100;
        const width = start === undefined ? 0 : Math.max(0.5, ((end - start) / (t1 - t0)) * 100);
        return (
          <li key={step.key}>
            <button
              type="button"
              className={`fs-timeline-row${selected === step.key ? ' selected' : ''}`}
              data-testid={`timeline-${step.key}`}
              onClick={() => onSelect(step.key)}
              aria-label={`${step.nodeName ?? step.nodeId} ${step.key} ${step.status}${step.durationMs !== undefined ? ` ${step.durationMs} ms` : ''}`}
            >
              <span className="fs-timeline-name">{step.nodeName ?? step.nodeId}</span>
              <span className="fs-timeline-key muted mono">
                {step.key !== step.nodeId ? step.key : ''}
              </span>
              <span className="fs-timeline-track">
                <span
                  className={`fs-timeline-bar status-bg-${step.status}`}
                  style={{ left: `${left}%`, width: `${width}%` }}
                />
              </span>
              <span className={`status-${step.status} small`}>
                {step.status === 'succeeded' && step.attempt === 0 ? 'reused' : step.status}
              </span>
              <span className="muted small">
                {step.durationMs !== undefined ? `${step.durationMs.toFixed(1)} ms` : ''}
              </span>
            </button>
          </li>
        );
      })}
    </ol>
  );
}

/** Input and output JSON of one step; output fields drag onto parameters as expressions. */
export function Inspector({
  step,
  doc,
  onRerunFrom,
}: {
  step: DetailStep | undefined;
  doc: Workflow;
  /** Offered for top-level steps: re-run from this node, reusing the upstream outputs. */
  onRerunFrom?: (nodeId: string) => void;
}) {
  const [loaded, setLoaded] = useState<{ input?: unknown; output?: unknown }>({});
  useEffect(() => setLoaded({}), [step?.key]);
  if (!step) return <p className="muted">Select a step in the timeline or a node on the canvas.</p>;
  const name = doc.nodes.find((n) => n.id === step.nodeId)?.name ?? step.nodeName ?? step.nodeId;
  const root = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `$steps.${name}` : `$steps["${name}"]`;
  const load = async (which: 'input' | 'output', href: string) => {
    const res = await fetch(href, { credentials: 'same-origin' });
    const value: unknown = res.ok ? await res.json() : `could not load: HTTP ${res.status}`;
    setLoaded((l) => ({ ...l, [which]: value }));
  };
  const section = (
    which: 'input' | 'output',
    value: unknown,
    link: { href: string; bytes: number } | undefined,
  ) => (
    <section aria-label={`${which} of ${name}`}>
      <h4>
        {which === 'input'
          ? 'Input'
          : `Output${step.port && step.port !== 'out' ? ` (port ${step.port})` : ''}`}
      </h4>
      {value !== undefined ? (
        <JsonTree
          value={value}
          label={`${which} JSON`}
          {...(which === 'output' ? { dragRoot: root } : { dragRoot: '$input' })}
        />
      ) : link ? (
        loaded[which] !== undefined ? (
          <JsonTree value={loaded[which]} label={`${which} JSON`} />
        ) : (
          <button type="button" onClick={() => void load(which, link.href)}>
            Load {which} ({Math.round(link.bytes / 1024)} KiB)
          </button>
        )
      ) : (
        <p className="muted">none</p>
      )}
    </section>
  );
  return (
    <div className="fs-inspector">
      <h3>
        {name} <span className="muted mono small">{step.key}</span>
      </h3>
      <p className={`status-${step.status}`}>
        {step.status}, attempt {step.attempt}
        {step.durationMs !== undefined ? `, ${step.durationMs.toFixed(2)} ms` : ''}
      </p>
      {onRerunFrom &&
        step.key === step.nodeId &&
        !doc.nodes.find((n) => n.id === step.nodeId)?.type.startsWith('trigger.') && (
          <button
            type="button"
            onClick={() => onRerunFrom(step.nodeId)}
            title="Runs the current draft from this node; the nodes before it are not run again, their recorded outputs are reused"
          >
            ↻ Re-run from here
          </button>
        )}
      {step.error && (
        <pre className="error-text" role="alert">
          {step.error.code}: {step.error.message}
        </pre>
      )}
      <div className="fs-inspector-io">
        {section('input', step.input, step.inputLink)}
        {section('output', step.output, step.outputLink)}
      </div>
    </div>
  );
}

/** Test-run controls: the trigger input, the run button and the run's state. */
export function TestRunControls(props: {
  doc: Workflow;
  running: boolean;
  onRun(input: unknown, triggerNodeId: string | undefined, simulate: boolean): Promise<void>;
  execution?: LiveExecution['execution'];
}) {
  const triggers = useMemo(
    () => props.doc.nodes.filter((n) => n.type.startsWith('trigger.')),
    [props.doc.nodes],
  );
  const [triggerId, setTriggerId] = useState<string>();
  const trigger = triggers.find((t) => t.id === triggerId) ?? triggers[0];
  const [input, setInput] = useState('');
  const [simulate, setSimulate] = useState(false);
  const [error, setError] = useState<string>();
  const placeholder = trigger?.type === 'trigger.webhook' ? '{ "body": { "name": "Ada" } }' : '{}';
  const run = async () => {
    setError(undefined);
    let parsed: unknown = null;
    if (input.trim() !== '') {
      try {
        parsed = JSON.parse(input);
      } catch (e) {
        setError(`The input is not JSON: ${(e as Error).message}`);
        return;
      }
    } else if (trigger?.type === 'trigger.webhook') parsed = { body: {}, headers: {}, query: {} };
    try {
      await props.onRun(parsed, trigger?.id, simulate);
    } catch (e) {
      setError(
        e instanceof ApiError
          ? `${e.message}${e.details.length ? `\n${e.details.map((d) => `${d.path ?? ''} ${d.message}`).join('\n')}` : ''}`
          : String(e),
      );
    }
  };
  return (
    <div className="fs-test-run">
      {triggers.length > 1 && (
        <select
          aria-label="Trigger to start from"
          value={trigger?.id}
          onChange={(e) => setTriggerId(e.target.value)}
        >
          {triggers.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </select>
      )}
      <label htmlFor="test-input">Test input (JSON)</label>
      <textarea
        id="test-input"
        className="mono"
        rows={3}
        placeholder={placeholder}
        value={input}
        onChange={(e) => setInput(e.target.value)}
      />
      <div className="toolbar">
        <button
          type="button"
          className="primary"
          onClick={() => void run()}
          disabled={props.running}
        >
          ▶ Test run
        </button>
        <label title="HTTP requests, emails, messages, file and SQL writes and CRM changes are recorded as they would be sent, not sent">
          <input
            type="checkbox"
            checked={simulate}
            onChange={(e) => setSimulate(e.target.checked)}
          />{' '}
          Simulate side effects
        </label>
        {props.execution && (
          <span aria-live="polite">
            Execution <span className="mono">{props.execution.id.slice(0, 8)}</span>:{' '}
            <strong className={`status-${props.execution.status}`} data-testid="run-status">
              {props.execution.status}
            </strong>
            {props.execution.simulate && <span className="tag">simulated</span>}
          </span>
        )}
      </div>
      {error && (
        <pre role="alert" className="error-text">
          {error}
        </pre>
      )}
    </div>
  );
}
