import { useCallback, useEffect, useState } from 'react';
import { ApiError } from '../api/client';
import {
  crmApi,
  errorText,
  type BoardStage,
  type Contact,
  type Deal,
  type Pipeline,
} from '../api/crm';

/** A board card: a deal, or a contact in a prospect pipeline. */
export type BoardRecord = Contact | Deal;

/** Why a move was refused: the API's sentence and each broken rule. */
export interface MoveRefusal {
  stage: string;
  code: string;
  message: string;
  rules: string[];
}

/** The state of one pipeline board, and the optimistic move with rollback. */
export interface Board {
  pipeline?: Pipeline;
  stages: BoardStage[];
  error?: string;
  /** Refusals by record id (shown on the card until its next move). */
  refusals: Record<string, MoveRefusal>;
  move: (recordId: string, toStage: string) => Promise<void>;
  replace: (record: BoardRecord) => void;
  reload: () => Promise<void>;
}

function without(stages: BoardStage[], id: string): BoardStage[] {
  return stages.map((s) => ({ ...s, items: s.items.filter((r) => r.id !== id) }));
}

function placed(stages: BoardStage[], record: BoardRecord, stage: string): BoardStage[] {
  return without(stages, record.id).map((s) =>
    s.stage === stage ? { ...s, items: [record, ...s.items] } : s,
  );
}

/**
 * Loads `GET /crm/pipelines/{id}/board` and moves cards: the card moves at once, the API
 * is asked (`POST /crm/{deals|contacts}/{id}/move`), and on a refusal (422
 * STAGE_RULE_FAILED naming the rule) the card goes back and carries the reason.
 */
export function useBoard(pipelineId: string): Board {
  const [pipeline, setPipeline] = useState<Pipeline>();
  const [stages, setStages] = useState<BoardStage[]>([]);
  const [error, setError] = useState<string>();
  const [refusals, setRefusals] = useState<Record<string, MoveRefusal>>({});

  const reload = useCallback(async () => {
    try {
      const board = await crmApi.board(pipelineId);
      setPipeline(board.pipeline);
      setStages(board.stages);
      setError(undefined);
    } catch (e) {
      setError(errorText(e));
    }
  }, [pipelineId]);
  useEffect(() => void reload(), [reload]);

  const move = useCallback(
    async (recordId: string, toStage: string) => {
      if (!pipeline) return;
      const from = stages.find((s) => s.items.some((r) => r.id === recordId));
      const record = from?.items.find((r) => r.id === recordId);
      if (!from || !record || from.stage === toStage) return;
      const before = stages;
      setStages(placed(stages, { ...record, stage: toStage }, toStage));
      setRefusals(({ [recordId]: _old, ...rest }) => rest);
      const collection = pipeline.recordType === 'deal' ? 'deals' : 'contacts';
      try {
        const moved = await crmApi.move<BoardRecord>(collection, recordId, toStage);
        setStages((current) => placed(current, moved, toStage));
      } catch (e) {
        setStages(before);
        setRefusals((current) => ({
          ...current,
          [recordId]: {
            stage: toStage,
            code: e instanceof ApiError ? e.code : 'ERROR',
            message: errorText(e),
            rules: e instanceof ApiError ? e.details.map((d) => d.message) : [],
          },
        }));
      }
    },
    [pipeline, stages],
  );

  const replace = useCallback((record: BoardRecord) => {
    setStages((current) =>
      current.map((s) => ({ ...s, items: s.items.map((r) => (r.id === record.id ? record : r)) })),
    );
  }, []);

  return {
    ...(pipeline ? { pipeline } : {}),
    stages,
    ...(error ? { error } : {}),
    refusals,
    move,
    replace,
    reload,
  };
}
