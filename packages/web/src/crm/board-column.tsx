import { useState } from 'react';
import type { Pipeline } from '../api/crm';
import { BoardCard } from './board-card';
import type { BoardRecord, MoveRefusal } from './use-board';

/** The drag data type of a board card (its record id). */
export const CARD_MIME = 'application/x-flowstate-crm-card';

/** One stage of the board: its cards, and a drop target for cards dragged from others. */
export function BoardColumn(props: {
  stage: Pipeline['stages'][number];
  items: BoardRecord[];
  pipeline: Pipeline;
  refusals: Record<string, MoveRefusal>;
  /** The record the URL points at (highlighted). */
  focus?: string | undefined;
  canEdit: boolean;
  stageName: (id: string) => string;
  onMove: (id: string, stage: string) => void;
  onChanged: (record: BoardRecord) => void;
}) {
  const { stage, items, pipeline, refusals, focus, canEdit, stageName, onMove, onChanged } = props;
  const [over, setOver] = useState(false);
  const rules = [
    ...stage.rules.requiredFields.map((f) => `needs ${f}`),
    ...(stage.rules.allowedFrom ? [`from ${stage.rules.allowedFrom.join(', ')}`] : []),
  ];
  const refusedHere = items.filter((r) => refusals[r.id] !== undefined).length;

  return (
    <section
      className={`crm-column${over ? ' drop-over' : ''}`}
      aria-label={`Stage ${stage.name}`}
      data-stage={stage.id}
      onDragOver={(e) => {
        if (!canEdit || !e.dataTransfer.types.includes(CARD_MIME)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'move';
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        setOver(false);
        const id = e.dataTransfer.getData(CARD_MIME);
        if (id) {
          e.preventDefault();
          onMove(id, stage.id);
        }
      }}
    >
      <header>
        <h2>
          {stage.name} <span className="muted small">{items.length}</span>
        </h2>
        {rules.length > 0 && <p className="muted small">Rules: {rules.join('; ')}</p>}
        {refusedHere > 0 && <p className="sr-only">{refusedHere} refused moves</p>}
      </header>
      <ul>
        {items.map((record) => (
          <BoardCard
            key={record.id}
            record={record}
            pipeline={pipeline}
            refusal={refusals[record.id]}
            focused={record.id === focus}
            canEdit={canEdit}
            stageName={stageName}
            onMove={onMove}
            onChanged={onChanged}
          />
        ))}
      </ul>
    </section>
  );
}
