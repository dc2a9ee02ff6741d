import { z } from 'zod';
import { Channel, CHANNELS, Platform, PLATFORMS } from '@pupitre/shared';
import {
  boundedText,
  clientMessageId,
  messageText,
  optionalQuery,
  parseInput,
  uuid,
} from '../http/validation';

const registerVisitor = z.object({
  channel: z.enum(CHANNELS, { errorMap: () => ({ message: `must be one of ${CHANNELS.join(', ')}` }) }),
  name: boundedText(100).nullish(),
  platform: z
    .enum(PLATFORMS, { errorMap: () => ({ message: `must be one of ${PLATFORMS.join(', ')}` }) })
    .nullish(),
});

const postMessage = z.object({ text: messageText, clientMessageId });

const limit = z
  .string()
  .regex(/^\d+$/, 'must be an integer from 1 to 200')
  .transform(Number)
  .pipe(
    z.number().int().min(1, 'must be an integer from 1 to 200').max(200, 'must be an integer from 1 to 200'),
  );

const listMessagesQuery = z.object({ after: optionalQuery(uuid), limit: optionalQuery(limit) });

export function parseRegisterVisitor(body: unknown): {
  channel: Channel;
  name: string | null;
  platform: Platform | null;
} {
  const d = parseInput(registerVisitor, body);
  return { channel: d.channel, name: d.name ?? null, platform: d.platform ?? null };
}

export function parsePostMessage(body: unknown): { text: string; clientMessageId: string } {
  return parseInput(postMessage, body);
}

export const DEFAULT_PAGE_SIZE = 50;

export function parseListMessagesQuery(query: unknown): { after: string | null; limit: number } {
  const q = parseInput(listMessagesQuery, query ?? {}, 'query');
  return { after: q.after ?? null, limit: q.limit ?? DEFAULT_PAGE_SIZE };
}
