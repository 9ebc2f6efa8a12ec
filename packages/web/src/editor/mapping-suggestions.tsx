import { useEffect, useState } from 'react';
import { api, ApiError } from '../api/client';
import type { WorkflowNode } from '../api/types';

/** One suggestion of `POST /api/v1/mapping/suggest`. */
interface MappingSuggestion {
  param: string;
  expression: string;
  sourcePath: string;
  score: number;
  reason: string;
}

/**
 * Suggested mappings from the node's last input to its params (by field name and type); each
 * can be applied with one click, which puts its `{{ $input... }}` template in the param.
 */
export function MappingSuggestions({
  node,
  input,
  onApply,
}: {
  node: WorkflowNode;
  /** The node's input in the last run, the sample mapped from; undefined before a run. */
  input: unknown;
  onApply(param: string, expression: string): void;
}) {
  const [suggestions, setSuggestions] = useState<MappingSuggestion[]>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    setSuggestions(undefined);
    setError(undefined);
  }, [node.id, input]);

  if (input === undefined) {
    return (
      <p className="muted small">Run the workflow once to get mapping suggestions from its data.</p>
    );
  }

  const load = async () => {
    setLoading(true);
    setError(undefined);
    try {
      const answer = await api<{ suggestions: MappingSuggestion[] }>('POST', '/mapping/suggest', {
        nodeType: node.type,
        sample: input,
        params: node.params,
      });
      setSuggestions(answer.suggestions);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setLoading(false);
    }
  };

  return (
    <div className="fs-mapping" aria-label="Mapping suggestions">
      <button type="button" onClick={() => void load()} disabled={loading}>
        {loading ? 'Looking…' : 'Suggest mappings'}
      </button>
      {error && (
        <p className="error-text small" role="alert">
          {error}
        </p>
      )}
      {suggestions?.length === 0 && (
        <p className="muted small">No field of the input matches a parameter by name and type.</p>
      )}
      {suggestions && suggestions.length > 0 && (
        <ul className="fs-mapping-list">
          {suggestions.map((s) => (
            <li key={`${s.param}-${s.sourcePath}`}>
              <span className="mono">{s.param}</span> ← <span className="mono">{s.sourcePath}</span>{' '}
              <span className="muted small" title={s.reason}>
                {Math.round(s.score * 100)}%
              </span>{' '}
              <button
                type="button"
                aria-label={`Map ${s.sourcePath} to ${s.param}`}
                onClick={() => {
                  onApply(s.param, s.expression);
                  setSuggestions((list) => list?.filter((x) => x.param !== s.param));
                }}
              >
                Apply
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
