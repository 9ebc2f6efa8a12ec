import { useState } from 'react';
import { Link } from 'react-router';
import type { Deal, Pipeline } from '../api/crm';
import { CARD_MIME } from './board-column';
import { DealEditor } from './deal-editor';
import { RunsTab } from './runs-tab';
import type { BoardRecord, MoveRefusal } from './use-board';

const isDeal = (record: BoardRecord): record is Deal => 'amount' in record;

/**
 * A card on the board: draggable, with a "Move to…" menu (the keyboard way to move), the
 * reason of a refused move, and for deals an editor and the workflow runs that touched it.
 */
export function BoardCard(props: {
  record: BoardRecord;
  pipeline: Pipeline;
  refusal: MoveRefusal | undefined;
  focused: boolean;
  canEdit: boolean;
  stageName: (id: string) => string;
  onMove: (id: string, stage: string) => void;
  onChanged: (record: BoardRecord) => void;
}) {
  const { record, pipeline, refusal, focused, canEdit, stageName, onMove, onChanged } = props;
  const [panel, setPanel] = useState<'edit' | 'runs'>();
  const deal = isDeal(record) ? record : undefined;
  const toggle = (which: 'edit' | 'runs') => setPanel((p) => (p === which ? undefined : which));

  return (
    <li
      className={`crm-card${refusal ? ' refused' : ''}${focused ? ' focused' : ''}`}
      aria-label={record.name}
      data-id={record.id}
      draggable={canEdit}
      onDragStart={(e) => {
        e.dataTransfer.setData(CARD_MIME, record.id);
        e.dataTransfer.effectAllowed = 'move';
      }}
    >
      <div className="crm-card-title">
        {deal ? (
          <strong>{record.name}</strong>
        ) : (
          <Link to={`/crm/contacts/${encodeURIComponent(record.id)}`}>{record.name}</Link>
        )}
      </div>
      {deal && (
        <div className="muted small">
          {deal.amount.toLocaleString()} {deal.currency ?? ''}
          {deal.contactId && (
            <>
              {' · '}
              <Link to={`/crm/contacts/${encodeURIComponent(deal.contactId)}`}>contact</Link>
            </>
          )}
          {deal.closeDate && ` · closes ${deal.closeDate}`}
        </div>
      )}
      {refusal && (
        <div className="crm-refusal" role="alert">
          <strong>Cannot move to {stageName(refusal.stage)}:</strong> {refusal.message}
          {refusal.rules.length > 0 && (
            <ul>
              {refusal.rules.map((rule) => (
                <li key={rule}>{rule}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      <div className="crm-card-actions">
        {canEdit && (
          <select
            aria-label={`Move ${record.name} to…`}
            value=""
            onChange={(e) => e.target.value && onMove(record.id, e.target.value)}
          >
            <option value="">Move to…</option>
            {pipeline.stages
              .filter((s) => s.id !== record.stage)
              .map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
          </select>
        )}
        {deal && canEdit && (
          <button type="button" aria-expanded={panel === 'edit'} onClick={() => toggle('edit')}>
            Edit
          </button>
        )}
        <button type="button" aria-expanded={panel === 'runs'} onClick={() => toggle('runs')}>
          Runs
        </button>
      </div>
      {panel === 'edit' && deal && (
        <DealEditor deal={deal} onSaved={(d) => (onChanged(d), setPanel(undefined))} />
      )}
      {panel === 'runs' && (
        <RunsTab collection={deal ? 'deals' : 'contacts'} recordId={record.id} compact />
      )}
    </li>
  );
}
