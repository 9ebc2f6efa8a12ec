import { useMemo, useRef, useState, type KeyboardEvent } from 'react';

/** A JSON Schema fragment (what `z.toJSONSchema` produces for node params). */
export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
};

/** Splits text into plain parts and `{{ expression }}` parts, for highlighting. */
export function templateParts(text: string): Array<{ text: string; expression: boolean }> {
  const parts: Array<{ text: string; expression: boolean }> = [];
  const pattern = /\{\{[\s\S]*?(\}\}|$)/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > last) parts.push({ text: text.slice(last, match.index), expression: false });
    parts.push({ text: match[0], expression: true });
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push({ text: text.slice(last), expression: false });
  return parts;
}

/**
 * What may follow the caret: `$steps.` offers node names, `$steps.Name.` (and deeper) the
 * fields seen in that node's last output, `$input.` the fields of the node's last input.
 */
export function completions(
  before: string,
  context: { steps: Record<string, unknown>; input: unknown; names: string[] },
): { replaceFrom: number; options: string[] } | undefined {
  const open = before.lastIndexOf('{{');
  if (open < 0 || before.lastIndexOf('}}') > open) return undefined;
  const match = /\$(steps|input|trigger)((?:\.[A-Za-z0-9_]+|\["[^"]*"\])*)\.([A-Za-z0-9_]*)$/.exec(
    before,
  );
  if (match) {
    const [, root, middle, partial] = match as unknown as [string, string, string, string];
    const path = [...middle.matchAll(/\.([A-Za-z0-9_]+)|\["([^"]*)"\]/g)].map((m) => m[1] ?? m[2]!);
    let value: unknown;
    if (root === 'steps') {
      if (path.length === 0) {
        return {
          replaceFrom: before.length - partial.length,
          options: context.names.filter((n) => n.toLowerCase().startsWith(partial.toLowerCase())),
        };
      }
      value = context.steps[path[0]!];
      path.shift();
    } else value = root === 'input' ? context.input : undefined;
    for (const key of path)
      value =
        value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      return {
        replaceFrom: before.length - partial.length,
        options: Object.keys(value).filter((k) =>
          k.toLowerCase().startsWith(partial.toLowerCase()),
        ),
      };
    }
    return undefined;
  }
  const variable = /\$([A-Za-z]*)$/.exec(before);
  if (variable) {
    const vars = ['steps', 'input', 'trigger', 'item', 'index', 'vars', 'execution', 'now'];
    return {
      replaceFrom: before.length - variable[1]!.length,
      options: vars.filter((v) => v.startsWith(variable[1]!)),
    };
  }
  return undefined;
}

export interface ExpressionInputProps {
  id: string;
  value: string;
  onChange(value: string): void;
  multiline?: boolean;
  invalid?: boolean;
  describedBy?: string;
  context: { steps: Record<string, unknown>; input: unknown; names: string[] };
}

/** A text field where `{{ }}` expressions are highlighted and `$steps.` paths autocomplete. */
export function ExpressionInput(props: ExpressionInputProps) {
  const ref = useRef<HTMLTextAreaElement>(null);
  const [caret, setCaret] = useState<number>();
  const [active, setActive] = useState(0);
  const suggestion = useMemo(
    () =>
      caret === undefined ? undefined : completions(props.value.slice(0, caret), props.context),
    [caret, props.value, props.context],
  );
  const options = suggestion?.options.slice(0, 12) ?? [];

  const accept = (option: string) => {
    if (!suggestion || caret === undefined) return;
    const simple = /^[A-Za-z_][A-Za-z0-9_]*$/.test(option);
    const before = props.value.slice(0, suggestion.replaceFrom);
    const insert = simple ? option : `["${option}"]`;
    const head = simple ? before : before.replace(/\.$/, '');
    const next = head + insert + props.value.slice(caret);
    props.onChange(next);
    const position = head.length + insert.length;
    setCaret(position);
    // After React has written the new value; skipped when the user typed on meanwhile.
    requestAnimationFrame(() => {
      if (ref.current?.value === next) ref.current.setSelectionRange(position, position);
    });
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (options.length > 0) {
      if (e.key === 'ArrowDown') {
        e.preventDefault();
        setActive((a) => (a + 1) % options.length);
        return;
      }
      if (e.key === 'ArrowUp') {
        e.preventDefault();
        setActive((a) => (a - 1 + options.length) % options.length);
        return;
      }
      if (e.key === 'Tab' || e.key === 'Enter') {
        e.preventDefault();
        accept(options[Math.min(active, options.length - 1)]!);
        return;
      }
      if (e.key === 'Escape') {
        setCaret(undefined);
        return;
      }
    }
    if (e.key === 'Enter' && !props.multiline) e.preventDefault();
  };

  return (
    <div className={`fs-expression${props.invalid ? ' invalid' : ''}`}>
      <div className="fs-expression-highlight mono" aria-hidden>
        {templateParts(props.value).map((part, i) =>
          part.expression ? <mark key={i}>{part.text}</mark> : <span key={i}>{part.text}</span>,
        )}
        {'\u200b'}
      </div>
      <textarea
        ref={ref}
        id={props.id}
        className="mono"
        rows={props.multiline ? 4 : 1}
        value={props.value}
        spellCheck={false}
        aria-invalid={props.invalid || undefined}
        aria-describedby={props.describedBy}
        aria-autocomplete="list"
        onChange={(e) => {
          props.onChange(e.target.value);
          setCaret(e.target.selectionStart);
          setActive(0);
        }}
        onKeyUp={(e) => setCaret(e.currentTarget.selectionStart)}
        onClick={(e) => setCaret(e.currentTarget.selectionStart)}
        onBlur={() => setTimeout(() => setCaret(undefined), 150)}
        onKeyDown={onKeyDown}
      />
      {options.length > 0 && (
        <ul className="fs-completions" role="listbox" aria-label="Suggestions">
          {options.map((option, i) => (
            <li
              key={option}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'active' : ''}
              onMouseDown={(e) => {
                e.preventDefault();
                accept(option);
              }}
            >
              {option}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
