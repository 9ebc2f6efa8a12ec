import { useState } from 'react';

/** Expression path of `segments` below a root: `$steps.Name.a.b` or `$steps["My node"].list[0]`. */
export function pathExpression(root: string, segments: Array<string | number>): string {
  let text = root;
  for (const s of segments) {
    text +=
      typeof s === 'number' ? `[${s}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) ? `.${s}` : `["${s}"]`;
  }
  return text;
}

/**
 * JSON as a collapsible tree. With `dragRoot`, every field can be dragged onto a parameter:
 * it drops as `{{ <root>.<path> }}`.
 */
export function JsonTree({
  value,
  dragRoot,
  label,
}: {
  value: unknown;
  dragRoot?: string;
  label: string;
}) {
  return (
    <div className="fs-json-tree mono" role="tree" aria-label={label}>
      <JsonNode value={value} segments={[]} dragRoot={dragRoot} name={undefined} depth={0} />
    </div>
  );
}

function JsonNode(props: {
  value: unknown;
  segments: Array<string | number>;
  dragRoot: string | undefined;
  name: string | number | undefined;
  depth: number;
}) {
  const { value, segments, dragRoot, name, depth } = props;
  const [open, setOpen] = useState(depth < 2);
  const composite = value !== null && typeof value === 'object';
  const entries = composite
    ? Array.isArray(value)
      ? value.map((v, i) => [i, v] as const)
      : Object.entries(value)
    : [];
  const key =
    name === undefined ? null : (
      <span
        className="fs-json-key"
        draggable={dragRoot !== undefined}
        onDragStart={(e) => {
          if (!dragRoot) return;
          e.dataTransfer.setData('text/plain', `{{ ${pathExpression(dragRoot, segments)} }}`);
          e.dataTransfer.effectAllowed = 'copy';
        }}
        title={
          dragRoot
            ? `Drag onto a parameter: {{ ${pathExpression(dragRoot, segments)} }}`
            : undefined
        }
      >
        {typeof name === 'number' ? `[${name}]` : name}:
      </span>
    );
  if (!composite) {
    return (
      <div
        role="treeitem"
        aria-selected={false}
        className="fs-json-row"
        style={{ paddingLeft: depth * 14 }}
      >
        {key}{' '}
        <span className={`fs-json-${value === null ? 'null' : typeof value}`}>
          {JSON.stringify(value)}
        </span>
      </div>
    );
  }
  return (
    <div role="treeitem" aria-expanded={open} aria-selected={false}>
      <div className="fs-json-row" style={{ paddingLeft: depth * 14 }}>
        <button
          type="button"
          className="fs-json-toggle"
          onClick={() => setOpen(!open)}
          aria-label={open ? 'Collapse' : 'Expand'}
        >
          {open ? '▾' : '▸'}
        </button>
        {key}{' '}
        <span className="muted">
          {Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`}
        </span>
      </div>
      {open && (
        <div role="group">
          {entries.map(([k, v]) => (
            <JsonNode
              key={String(k)}
              value={v}
              segments={[...segments, k]}
              dragRoot={dragRoot}
              name={k}
              depth={depth + 1}
            />
          ))}
        </div>
      )}
    </div>
  );
}
