import {
  Channel,
  listMessagesQuery,
  PAGE_SIZE,
  Platform,
  postMessageBody,
  registerVisitorBody,
} from '@pupitre/shared';
import { parseInput } from '../http';

export function parseRegisterVisitor(body: unknown): {
  channel: Channel;
  name: string | null;
  platform: Platform | null;
} {
  const d = parseInput(registerVisitorBody, body);
  return { channel: d.channel, name: d.name ?? null, platform: d.platform ?? null };
}

export function parsePostMessage(body: unknown): { text: string; clientMessageId: string } {
  return parseInput(postMessageBody, body);
}

export const DEFAULT_PAGE_SIZE = PAGE_SIZE.default;

export function parseListMessagesQuery(query: unknown): { after: string | null; limit: number } {
  const q = parseInput(listMessagesQuery, query ?? {}, 'query');
  return { after: q.after ?? null, limit: q.limit ?? DEFAULT_PAGE_SIZE };
}
