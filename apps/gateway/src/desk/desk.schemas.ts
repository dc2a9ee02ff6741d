import { z } from 'zod';
import { boundedText, clientMessageId, messageText, parseInput, uuid } from '../http/validation';

const conversationId = uuid;
const tag = boundedText(50);

/** Desk commands' payloads (CONTRACT.md, Desk socket); unknown fields are ignored. */
export const deskCommands = {
  'agent.status': z.object({
    status: z.enum(['available', 'away'], { errorMap: () => ({ message: 'must be "available" or "away"' }) }),
  }),
  'message.send': z.object({ conversationId, text: messageText, clientMessageId }),
  'canned.send': z.object({ conversationId, cannedResponseId: uuid, clientMessageId }),
  'conversation.release': z.object({ conversationId }),
  'conversation.close': z.object({ conversationId }),
  'conversation.tag': z.object({ conversationId, tag }),
  'visitor.block': z.object({ conversationId }),
  'conversation.transfer': z.object({ conversationId, toAgentId: uuid }),
};

export type DeskCommand = keyof typeof deskCommands;

export function parseCommand<C extends DeskCommand>(
  command: C,
  payload: unknown,
): z.infer<(typeof deskCommands)[C]> {
  const schema = deskCommands[command] as z.ZodType<z.infer<(typeof deskCommands)[C]>, z.ZodTypeDef, unknown>;
  return parseInput(schema, payload ?? {}, 'payload');
}
