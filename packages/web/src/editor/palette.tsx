import { useMemo, useState } from 'react';
import type { NodeTypeInfo } from '../api/types';
import { GROUP_LABELS, GROUP_ORDER, useNodeTypes } from './node-types';

/**
 * The node palette, grouped (Triggers, Actions, Control, Data, CRM, AI) with search. Drag an
 * entry onto the canvas, or press Enter / click "Add" to place it next to the selection.
 */
export function Palette({ onAdd }: { onAdd(type: string): void }) {
  const types = useNodeTypes((s) => s.types);
  const [query, setQuery] = useState('');
  const groups = useMemo(() => {
    const q = query.trim().toLowerCase();
    const matching = [...types.values()].filter(
      (t) =>
        q === '' ||
        t.name.toLowerCase().includes(q) ||
        t.type.toLowerCase().includes(q) ||
        t.description.toLowerCase().includes(q),
    );
    return GROUP_ORDER.map((group) => ({
      group,
      items: matching.filter((t) => t.group === group).sort((a, b) => a.name.localeCompare(b.name)),
    }));
  }, [types, query]);

  return (
    <aside className="fs-palette" aria-label="Node palette">
      <input
        type="search"
        placeholder="Search nodes"
        aria-label="Search nodes"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          const first = groups.flatMap((g) => g.items)[0];
          if (e.key === 'Enter' && first) onAdd(first.type);
        }}
      />
      {groups.map(({ group, items }) => (
        <section key={group} aria-label={GROUP_LABELS[group]}>
          <h3>{GROUP_LABELS[group]}</h3>
          {items.length === 0 ? (
            <p className="muted small">{query ? 'No match' : 'None installed'}</p>
          ) : (
            <ul>
              {items.map((t) => (
                <PaletteItem key={t.type} info={t} onAdd={onAdd} />
              ))}
            </ul>
          )}
        </section>
      ))}
    </aside>
  );
}

function PaletteItem({ info, onAdd }: { info: NodeTypeInfo; onAdd(type: string): void }) {
  return (
    <li
      draggable
      data-node-type={info.type}
      title={info.description}
      onDragStart={(e) => {
        e.dataTransfer.setData('application/x-flowstate-node-type', info.type);
        e.dataTransfer.effectAllowed = 'copy';
      }}
    >
      <button
        type="button"
        className="fs-palette-item"
        onClick={() => onAdd(info.type)}
        aria-label={`Add ${info.name}`}
      >
        <strong>{info.name}</strong>
        <span className="muted small">{info.type}</span>
      </button>
    </li>
  );
}
