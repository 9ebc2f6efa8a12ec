import { useEffect, useMemo, useRef, useState } from 'react';

export interface Command {
  id: string;
  label: string;
  hint?: string;
  run(): void;
}

/** A modal list of commands filtered as you type; arrows move, Enter runs, Escape closes. */
export function CommandPalette({
  commands,
  onClose,
  placeholder,
}: {
  commands: Command[];
  onClose(): void;
  placeholder: string;
}) {
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  const matching = useMemo(() => {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    return commands
      .filter((c) => words.every((w) => c.label.toLowerCase().includes(w)))
      .slice(0, 50);
  }, [commands, query]);
  const run = (command: Command | undefined) => {
    if (!command) return;
    onClose();
    command.run();
  };
  return (
    <div className="fs-modal-backdrop" onMouseDown={onClose}>
      <div
        role="dialog"
        aria-modal="true"
        aria-label="Command palette"
        className="fs-modal fs-command-palette"
        onMouseDown={(e) => e.stopPropagation()}
      >
        <input
          ref={input}
          role="combobox"
          aria-expanded="true"
          aria-controls="fs-commands"
          aria-activedescendant={matching[active] ? `cmd-${matching[active].id}` : undefined}
          placeholder={placeholder}
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setActive(0);
          }}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') {
              e.preventDefault();
              setActive((a) => Math.min(a + 1, matching.length - 1));
            } else if (e.key === 'ArrowUp') {
              e.preventDefault();
              setActive((a) => Math.max(a - 1, 0));
            } else if (e.key === 'Enter') {
              e.preventDefault();
              run(matching[active]);
            } else if (e.key === 'Escape') onClose();
          }}
        />
        <ul id="fs-commands" role="listbox" aria-label="Commands">
          {matching.map((c, i) => (
            <li
              key={c.id}
              id={`cmd-${c.id}`}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'active' : ''}
              onMouseEnter={() => setActive(i)}
              onMouseDown={(e) => {
                e.preventDefault();
                run(c);
              }}
            >
              <span>{c.label}</span>
              {c.hint && <kbd>{c.hint}</kbd>}
            </li>
          ))}
          {matching.length === 0 && <li className="muted">Nothing matches.</li>}
        </ul>
      </div>
    </div>
  );
}

/** The keyboard shortcuts of the editor (the help overlay lists them). */
export const SHORTCUTS: Array<[string, string]> = [
  ['Ctrl+S', 'Save a new version'],
  ['Ctrl+Enter', 'Test run'],
  ['Ctrl+Z / Ctrl+Shift+Z', 'Undo / redo'],
  ['Ctrl+C / Ctrl+V', 'Copy / paste nodes (also between workflows)'],
  ['Ctrl+A', 'Select all nodes'],
  ['Delete', 'Delete the selection'],
  ['Ctrl+K', 'Command palette'],
  ['Ctrl+F', 'Find a node'],
  ['Shift+L', 'Auto-layout'],
  ['Ctrl+L', 'Switch canvas / list view'],
  ['N', 'Add a sticky note'],
  ['?', 'This help'],
  ['Escape', 'Close dialogs, clear the selection'],
];

export function ShortcutHelp({ onClose }: { onClose(): void }) {
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => close.current?.focus(), []);
  return (
    <div className="fs-modal-backdrop" onMouseDown={onClose}>
      <div
        role="dialog"
        aria-modal="true"
        aria-label="Keyboard shortcuts"
        className="fs-modal"
        onMouseDown={(e) => e.stopPropagation()}
        onKeyDown={(e) => e.key === 'Escape' && onClose()}
      >
        <h2>Keyboard shortcuts</h2>
        <table className="list">
          <tbody>
            {SHORTCUTS.map(([keys, what]) => (
              <tr key={keys}>
                <td>
                  <kbd>{keys}</kbd>
                </td>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <button ref={close} type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}
