import { useMemo, useState } from 'react';
import type { WorkflowNode } from '../api/types';
import { ExpressionInput, type JsonSchema } from './expression-input';
import { connectionProblem } from './canvas';
import { MappingSuggestions } from './mapping-suggestions';
import { outputPorts, useNodeTypes } from './node-types';
import { addEdge, removeEdges, renameNode, updateNode, useEditor } from './store';

/** Last-run data the expression fields autocomplete from. */
export interface RunData {
  /** Output of each node by node name. */
  steps: Record<string, unknown>;
  /** Input of each node by node id. */
  inputs: Record<string, unknown>;
}

/** A problem from validation, located inside a node. */
export interface FieldProblem {
  /** JSON pointer below the node, e.g. `/params/url`. */
  path: string;
  message: string;
}

const COLORS = ['', '#e03131', '#f08c00', '#2f9e44', '#1971c2', '#7048e8', '#c2255c'];

function schemaType(schema: JsonSchema): string | undefined {
  if (Array.isArray(schema.type)) return schema.type.find((t) => t !== 'null');
  return schema.type;
}

/** Everything of one node: name, parameters (generated from its type's schema) and settings. */
export function PropertiesPanel({
  node,
  run,
  problems,
}: {
  node: WorkflowNode;
  run?: RunData;
  problems: FieldProblem[];
}) {
  const change = useEditor((s) => s.change);
  const doc = useEditor((s) => s.doc);
  const info = useNodeTypes((s) => s.types.get(node.type));
  const [name, setName] = useState(node.name);
  const [nameError, setNameError] = useState<string>();
  const context = useMemo(
    () => ({
      steps: run?.steps ?? {},
      input: run?.inputs[node.id],
      names: doc.nodes.map((n) => n.name).filter((n) => n !== node.name),
    }),
    [run, doc.nodes, node.id, node.name],
  );
  const schema = (info?.params ?? {}) as JsonSchema;
  const setParam = (key: string, value: unknown) =>
    change((d) => {
      const current = d.nodes.find((n) => n.id === node.id);
      if (!current) return d;
      const params = { ...current.params };
      if (value === undefined) delete params[key];
      else params[key] = value;
      return updateNode(d, node.id, { params });
    });
  const problemAt = (path: string) =>
    problems.filter((p) => p.path === path || p.path.startsWith(`${path}/`));

  const commitName = () => {
    const trimmed = name.trim();
    if (trimmed === node.name) return;
    if (trimmed === '') return setNameError('A node needs a name.');
    if (doc.nodes.some((n) => n.id !== node.id && n.name === trimmed)) {
      return setNameError(`Another node is already called "${trimmed}".`);
    }
    setNameError(undefined);
    change((d) => renameNode(d, node.id, trimmed));
  };

  return (
    <aside className="fs-properties" aria-label={`Properties of ${node.name}`}>
      <h2>{info?.name ?? node.type}</h2>
      <p className="muted small">{info?.description}</p>
      <div className="form-row">
        <label htmlFor="prop-name">Name</label>
        <input
          id="prop-name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          onBlur={commitName}
          onKeyDown={(e) => e.key === 'Enter' && commitName()}
          aria-invalid={nameError ? true : undefined}
        />
        {nameError && <span className="error-text small">{nameError}</span>}
        <span className="muted small mono">id: {node.id}</span>
      </div>
      <fieldset>
        <legend>Parameters</legend>
        {Object.entries(schema.properties ?? {}).map(([key, field]) => (
          <SchemaField
            key={`${node.id}-${key}`}
            id={`param-${key}`}
            label={key}
            schema={field}
            required={schema.required?.includes(key) ?? false}
            value={node.params[key]}
            onChange={(v) => setParam(key, v)}
            context={context}
            problems={problemAt(`/params/${key}`)}
          />
        ))}
        {problemAt('/params')
          .filter((p) => p.path === '/params')
          .map((p) => (
            <p key={p.message} className="error-text small">
              {p.message}
            </p>
          ))}
      </fieldset>
      <fieldset>
        <legend>Map from input</legend>
        <MappingSuggestions node={node} input={context.input} onApply={setParam} />
      </fieldset>
      <Connections node={node} />
      <fieldset>
        <legend>Settings</legend>
        <label className="inline">
          <input
            type="checkbox"
            checked={node.disabled ?? false}
            onChange={(e) =>
              change((d) => updateNode(d, node.id, { disabled: e.target.checked || undefined }))
            }
          />{' '}
          Disabled (passes its input through)
        </label>
        <div className="form-row">
          <label htmlFor="prop-onerror">When it fails</label>
          <select
            id="prop-onerror"
            value={node.onError ?? 'fail'}
            onChange={(e) =>
              change((d) =>
                updateNode(d, node.id, { onError: e.target.value as WorkflowNode['onError'] }),
              )
            }
          >
            <option value="fail">Fail the execution</option>
            <option value="continue">Continue with the error as output</option>
            <option value="route">Route to the error port</option>
          </select>
        </div>
        <div className="form-row">
          <label htmlFor="prop-attempts">Max attempts</label>
          <input
            id="prop-attempts"
            type="number"
            min={1}
            max={100}
            value={node.retry?.maxAttempts ?? ''}
            placeholder="node default"
            onChange={(e) =>
              change((d) =>
                updateNode(d, node.id, {
                  retry:
                    e.target.value === ''
                      ? undefined
                      : { ...node.retry, maxAttempts: Number(e.target.value) },
                }),
              )
            }
          />
        </div>
        <div className="form-row">
          <label htmlFor="prop-timeout">Timeout (ms)</label>
          <input
            id="prop-timeout"
            type="number"
            min={1}
            value={node.timeoutMs ?? ''}
            placeholder="node default"
            onChange={(e) =>
              change((d) =>
                updateNode(d, node.id, {
                  timeoutMs: e.target.value === '' ? undefined : Number(e.target.value),
                }),
              )
            }
          />
        </div>
        <div className="form-row">
          <span id="prop-color-label">Colour</span>
          <div role="radiogroup" aria-labelledby="prop-color-label" className="fs-colors">
            {COLORS.map((color) => (
              <button
                key={color || 'none'}
                type="button"
                role="radio"
                aria-checked={(node.color ?? '') === color}
                aria-label={color || 'No colour'}
                className="fs-color"
                style={{ background: color || 'transparent' }}
                onClick={() => change((d) => updateNode(d, node.id, { color: color || undefined }))}
              />
            ))}
          </div>
        </div>
        <div className="form-row">
          <label htmlFor="prop-notes">Notes</label>
          <textarea
            id="prop-notes"
            defaultValue={node.notes ?? ''}
            key={`${node.id}-notes`}
            onBlur={(e) =>
              change((d) => updateNode(d, node.id, { notes: e.target.value || undefined }))
            }
          />
        </div>
      </fieldset>
    </aside>
  );
}

interface FieldProps {
  id: string;
  label: string;
  schema: JsonSchema;
  required: boolean;
  value: unknown;
  onChange(value: unknown): void;
  context: { steps: Record<string, unknown>; input: unknown; names: string[] };
  problems: FieldProblem[];
}

/** One parameter, drawn from its JSON Schema; any field may hold a `{{ }}` expression. */
function SchemaField(props: FieldProps) {
  const { id, label, schema, value, onChange, problems } = props;
  const type = schemaType(schema);
  const errorId = problems.length > 0 ? `${id}-error` : undefined;
  const labelNode = (
    <label htmlFor={id}>
      {label}
      {props.required && <span aria-hidden> *</span>}
    </label>
  );
  const help = (
    <>
      {schema.description && <span className="muted small">{schema.description}</span>}
      {problems.map((p) => (
        <span key={p.path + p.message} id={errorId} className="error-text small" role="alert">
          {p.message}
        </span>
      ))}
    </>
  );
  const isExpression = typeof value === 'string' && value.includes('{{');
  const enumValues =
    schema.enum ?? schema.anyOf?.filter((s) => s.const !== undefined).map((s) => s.const);

  if (enumValues && enumValues.length > 0 && !isExpression) {
    return (
      <div className="form-row">
        {labelNode}
        <select
          id={id}
          value={value === undefined ? '' : String(value)}
          aria-describedby={errorId}
          onChange={(e) =>
            onChange(
              e.target.value === ''
                ? undefined
                : enumValues.find((v) => String(v) === e.target.value),
            )
          }
        >
          <option value="">
            {schema.default !== undefined ? `default (${String(schema.default)})` : '—'}
          </option>
          {enumValues.map((v) => (
            <option key={String(v)} value={String(v)}>
              {String(v)}
            </option>
          ))}
        </select>
        {help}
      </div>
    );
  }
  if (type === 'boolean' && !isExpression) {
    return (
      <div className="form-row">
        <label className="inline">
          <input
            id={id}
            type="checkbox"
            checked={value === undefined ? schema.default === true : value === true}
            onChange={(e) => onChange(e.target.checked)}
            aria-describedby={errorId}
          />{' '}
          {label}
        </label>
        {help}
      </div>
    );
  }
  if (
    (type === 'object' &&
      schema.additionalProperties &&
      typeof schema.additionalProperties === 'object') ||
    (type === 'object' && !schema.properties)
  ) {
    return <RecordField {...props} />;
  }
  if (
    type === 'object' &&
    schema.properties &&
    (value === undefined || (typeof value === 'object' && value !== null && !Array.isArray(value)))
  ) {
    const object = (value ?? {}) as Record<string, unknown>;
    return (
      <fieldset className="fs-nested">
        <legend>{label}</legend>
        {Object.entries(schema.properties).map(([key, field]) => (
          <SchemaField
            key={key}
            {...props}
            id={`${id}-${key}`}
            label={key}
            schema={field}
            required={schema.required?.includes(key) ?? false}
            value={object[key]}
            onChange={(v) => {
              const next = { ...object };
              if (v === undefined) delete next[key];
              else next[key] = v;
              onChange(Object.keys(next).length === 0 ? undefined : next);
            }}
            problems={problems.filter((p) => p.path.startsWith(`${problemsBase(problems)}/${key}`))}
          />
        ))}
      </fieldset>
    );
  }
  if (type === 'array' || type === undefined || (type === 'object' && !isExpression)) {
    return <JsonField {...props} />;
  }
  // string, number, integer: text with expressions; numbers are stored as numbers when they are.
  const text = value === undefined ? '' : typeof value === 'string' ? value : String(value);
  return (
    <div className="form-row">
      {labelNode}
      <ExpressionInput
        id={id}
        value={text}
        multiline={text.length > 60 || label === 'expression' || label === 'body'}
        invalid={problems.length > 0}
        {...(errorId ? { describedBy: errorId } : {})}
        context={props.context}
        onChange={(next) => {
          if (next === '') return onChange(undefined);
          if ((type === 'number' || type === 'integer') && /^-?\d+(\.\d+)?$/.test(next.trim()))
            return onChange(Number(next));
          onChange(next);
        }}
      />
      {schema.default !== undefined && value === undefined && (
        <span className="muted small">default: {JSON.stringify(schema.default)}</span>
      )}
      {help}
    </div>
  );
}

function problemsBase(problems: FieldProblem[]): string {
  return problems[0]?.path.split('/').slice(0, 3).join('/') ?? '';
}

/** A map of names to values (e.g. `transform.set` fields): rows of key and expression. */
function RecordField(props: FieldProps) {
  const { id, label, value, onChange } = props;
  const entries = Object.entries((value ?? {}) as Record<string, unknown>);
  const set = (next: Array<[string, unknown]>) =>
    onChange(next.length === 0 ? undefined : Object.fromEntries(next));
  return (
    <fieldset
      className="fs-nested"
      aria-describedby={props.problems.length > 0 ? `${id}-error` : undefined}
    >
      <legend>{label}</legend>
      {entries.map(([key, v], index) => (
        <div key={index} className="fs-record-row">
          <input
            aria-label={`${label} name ${index + 1}`}
            value={key}
            onChange={(e) =>
              set(entries.map((entry, i) => (i === index ? [e.target.value, entry[1]] : entry)))
            }
          />
          <ExpressionInput
            id={`${id}-${index}`}
            value={typeof v === 'string' ? v : JSON.stringify(v)}
            context={props.context}
            onChange={(text) => {
              let parsed: unknown = text;
              if (!text.includes('{{')) {
                try {
                  parsed = JSON.parse(text);
                } catch {
                  parsed = text;
                }
              }
              set(entries.map((entry, i) => (i === index ? [entry[0], parsed] : entry)));
            }}
          />
          <button
            type="button"
            aria-label={`Remove ${key || 'row'}`}
            onClick={() => set(entries.filter((_, i) => i !== index))}
          >
            ✕
          </button>
        </div>
      ))}
      <button
        type="button"
        onClick={() => set([...entries, [nextKey(entries.map(([k]) => k)), '']])}
      >
        Add {label === 'fields' ? 'field' : 'entry'}
      </button>
      {props.problems.map((p) => (
        <span key={p.path + p.message} id={`${id}-error`} className="error-text small" role="alert">
          {p.message}
        </span>
      ))}
    </fieldset>
  );
}

function nextKey(taken: string[]): string {
  for (let i = 1; ; i++) if (!taken.includes(`field${i}`)) return `field${i}`;
}

/** Lists and free-form values: JSON text (or a `{{ }}` expression), checked as you type. */
function JsonField(props: FieldProps) {
  const { id, label, value, onChange } = props;
  const [text, setText] = useState(
    value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value, null, 2),
  );
  const [error, setError] = useState<string>();
  return (
    <div className="form-row">
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        className="mono"
        rows={Math.min(10, Math.max(2, text.split('\n').length))}
        value={text}
        aria-invalid={error || props.problems.length > 0 ? true : undefined}
        onChange={(e) => {
          const next = e.target.value;
          setText(next);
          if (next.trim() === '') {
            setError(undefined);
            return onChange(undefined);
          }
          if (next.includes('{{')) {
            setError(undefined);
            return onChange(next);
          }
          try {
            onChange(JSON.parse(next));
            setError(undefined);
          } catch (err) {
            setError(`Not JSON yet: ${(err as Error).message}`);
          }
        }}
      />
      {error && <span className="muted small">{error}</span>}
      {props.problems.map((p) => (
        <span key={p.path + p.message} className="error-text small" role="alert">
          {p.message}
        </span>
      ))}
    </div>
  );
}

/**
 * The node's connections, editable without a mouse: each output port lists where it leads
 * (with a button to remove the edge) and offers the nodes it may connect to.
 */
function Connections({ node }: { node: WorkflowNode }) {
  const doc = useEditor((s) => s.doc);
  const change = useEditor((s) => s.change);
  const info = useNodeTypes((s) => s.types.get(node.type));
  const [choice, setChoice] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string>();
  const names = new Map(doc.nodes.map((n) => [n.id, n.name]));
  const ports = outputPorts(node, info);
  return (
    <fieldset>
      <legend>Connections</legend>
      {ports.map((port) => {
        const edges = doc.edges.filter((e) => e.from === node.id && (e.port ?? 'out') === port);
        const candidates = doc.nodes.filter(
          (n) =>
            connectionProblem(doc, {
              source: node.id,
              target: n.id,
              sourceHandle: port,
              targetHandle: 'in',
            }) === undefined,
        );
        const selectId = `connect-${port}`;
        return (
          <div key={port} className="form-row">
            <span className="small">
              <strong>{port}</strong> →
            </span>
            <ul className="fs-connection-list">
              {edges.map((e) => (
                <li key={e.id}>
                  {names.get(e.to) ?? e.to}{' '}
                  <button
                    type="button"
                    aria-label={`Disconnect ${port} from ${names.get(e.to) ?? e.to}`}
                    onClick={() => change((d) => removeEdges(d, [e.id]))}
                  >
                    ✕
                  </button>
                </li>
              ))}
            </ul>
            <div className="fs-record-row">
              <select
                id={selectId}
                aria-label={`Connect ${port} to`}
                value={choice[port] ?? ''}
                onChange={(e) => setChoice({ ...choice, [port]: e.target.value })}
              >
                <option value="">Connect to…</option>
                {candidates.map((n) => (
                  <option key={n.id} value={n.id}>
                    {n.name}
                  </option>
                ))}
              </select>
              <button
                type="button"
                disabled={!choice[port]}
                onClick={() => {
                  const target = choice[port];
                  if (!target) return;
                  const reason = connectionProblem(useEditor.getState().doc, {
                    source: node.id,
                    target,
                    sourceHandle: port,
                    targetHandle: 'in',
                  });
                  if (reason) return setProblem(reason);
                  setProblem(undefined);
                  change((d) => addEdge(d, { from: node.id, to: target, port }));
                  setChoice({ ...choice, [port]: '' });
                }}
              >
                Connect
              </button>
            </div>
          </div>
        );
      })}
      {problem && (
        <p role="alert" className="error-text small">
          {problem}
        </p>
      )}
    </fieldset>
  );
}
