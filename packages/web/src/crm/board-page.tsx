import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { crmApi, errorText, type Deal, type Pipeline } from '../api/crm';
import { BoardColumn } from './board-column';
import { DealForm } from './deal-form';
import { useBoard } from './use-board';

/**
 * The pipeline board: a column per stage, cards dragged between columns (or moved with each
 * card's "Move to…" menu); a move a stage rule refuses goes back and says why.
 */
export function BoardPage({ canEdit }: { canEdit: boolean }) {
  const [params, setParams] = useSearchParams();
  const dealParam = params.get('deal');
  const [dealPipeline, setDealPipeline] = useState<string>();
  const pipelineId = params.get('pipeline') ?? dealPipeline ?? 'sales';
  const [pipelines, setPipelines] = useState<Pipeline[]>([]);
  const [listError, setListError] = useState<string>();
  const [creating, setCreating] = useState(false);
  const board = useBoard(pipelineId);

  useEffect(() => {
    crmApi
      .pipelines()
      .then((r) => setPipelines(r.items))
      .catch((e: unknown) => setListError(errorText(e)));
  }, []);

  // A link to a deal opens the board of the deal's pipeline.
  useEffect(() => {
    if (!dealParam || params.has('pipeline')) return;
    crmApi
      .get<Deal>('deals', dealParam)
      .then((deal) => setDealPipeline(deal.pipelineId))
      .catch((e: unknown) => setListError(errorText(e)));
  }, [dealParam, params]);

  const focus = params.get('deal') ?? params.get('contact') ?? undefined;
  const loaded = board.stages.length > 0;
  useEffect(() => {
    if (!focus || !loaded) return;
    document
      .querySelector(`.crm-card[data-id="${CSS.escape(focus)}"]`)
      ?.scrollIntoView({ block: 'center', inline: 'center' });
  }, [focus, loaded]);

  const stageName = (id: string) => board.pipeline?.stages.find((s) => s.id === id)?.name ?? id;

  return (
    <main className="page crm-board-page">
      <h1>Pipeline board</h1>
      <div className="toolbar">
        <label className="inline">
          Pipeline{' '}
          <select
            aria-label="Pipeline"
            value={pipelineId}
            onChange={(e) => setParams({ pipeline: e.target.value })}
          >
            {pipelines.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name} ({p.recordType}s)
              </option>
            ))}
          </select>
        </label>
        {canEdit && board.pipeline?.recordType === 'deal' && (
          <button type="button" className="primary" onClick={() => setCreating((c) => !c)}>
            {creating ? 'Close form' : 'New deal'}
          </button>
        )}
        <button type="button" onClick={() => void board.reload()}>
          Refresh
        </button>
      </div>
      {listError && <p className="error-text">{listError}</p>}
      {board.error && <p className="error-text">{board.error}</p>}
      {creating && board.pipeline && (
        <DealForm
          pipeline={board.pipeline}
          onCreated={() => {
            setCreating(false);
            void board.reload();
          }}
        />
      )}
      <div className="crm-board" aria-label="Board">
        {board.pipeline?.stages.map((stage) => (
          <BoardColumn
            key={stage.id}
            stage={stage}
            items={board.stages.find((s) => s.stage === stage.id)?.items ?? []}
            pipeline={board.pipeline!}
            refusals={board.refusals}
            focus={focus}
            canEdit={canEdit}
            stageName={stageName}
            onMove={(id, to) => void board.move(id, to)}
            onChanged={board.replace}
          />
        ))}
      </div>
    </main>
  );
}
