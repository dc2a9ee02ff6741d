import type { IHeaders } from 'kafkajs';

/** Header on a replayed record, naming the dead letter it came from. */
export const REPLAYED_FROM_HEADER = 'pupitre-replayed-from';

/**
 * Header on a replayed record: the consumers (inbox consumer names, which are their groups) that
 * dead-lettered the original, comma-separated. Only they apply it: every other group of the topic
 * already applied the original, and one without an inbox (the gateway's live feed) would show it again.
 */
export const REPLAY_FOR_HEADER = 'pupitre-replay-for';

/** Whether `consumer` should skip this record: a replay meant for other consumers only. */
export function replayedForOthers(headers: IHeaders | undefined, consumer: string): boolean {
  const raw = headers?.[REPLAY_FOR_HEADER];
  if (raw === undefined) return false;
  const value = (Array.isArray(raw) ? raw : [raw]).map(String).join(',');
  return !value.split(',').some((name) => name.trim() === consumer);
}
