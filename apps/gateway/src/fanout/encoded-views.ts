import type { ConversationView, Message } from '@pupitre/shared';
import { EncodedJson } from '../limits';

/**
 * Each message's JSON, written once. A message stays the same object from its `message.posted` to the
 * last view that carries it (DeskViews patches views by adding to a copy of their list), so a view's
 * 50 messages are not written anew for every `conversation.updated`: at 250 visitor messages/s and
 * up, one per visitor message once the conversation has an agent message (R10's deadline moves),
 * writing them was 7 % of the gateway's busy time in a profile at 1,000/s; measured alone, ~45 µs of
 * CPU per push before and ~13 µs after (issue 7's note, session 9).
 */
const messageJsons = new WeakMap<Message, string>();

export function messageJson(message: Message): string {
  let json = messageJsons.get(message);
  if (json === undefined) {
    json = JSON.stringify(message);
    messageJsons.set(message, json);
  }
  return json;
}

/** The view's JSON: its own fields written, its messages put together from theirs. */
export function viewJson(view: ConversationView): string {
  const { messages, ...rest } = view;
  const head = JSON.stringify(rest);
  const list = `[${messages.map(messageJson).join(',')}]`;
  return head === '{}' ? `{"messages":${list}}` : `${head.slice(0, -1)},"messages":${list}}`;
}

/** `conversation.updated`'s and `conversation.assigned`'s payload. */
export function encodedConversation(
  conversation: ConversationView,
): EncodedJson<{ conversation: ConversationView }> {
  return new EncodedJson({ conversation }, `{"conversation":${viewJson(conversation)}}`);
}

/** `message.created`'s payload for desks (with the conversation's id) or for the visitor (without). */
export function encodedMessage(
  message: Message,
  conversationId?: string,
): EncodedJson<{ conversationId?: string; message: Message }> {
  return conversationId === undefined
    ? new EncodedJson({ message }, `{"message":${messageJson(message)}}`)
    : new EncodedJson(
        { conversationId, message },
        `{"conversationId":${JSON.stringify(conversationId)},"message":${messageJson(message)}}`,
      );
}
