import { uuidV5 } from '@pupitre/shared/domain';

/** Billing's own namespace for name-based ids (a fixed, random UUID: never change it). */
export const REMUNERATION_EVENT_NAMESPACE = '4f1b6c1e-8a3d-4b7e-9c25-6d0e2f7a9b13';

/**
 * R14 and the finance contract: a conversation never gets two different `eventId`s. The id is a
 * UUID v5 of the conversation id, so a rebuild of billing from the events (tables emptied, closes
 * replayed) publishes the very same `eventId` again.
 */
export function remunerationEventId(conversationId: string): string {
  return uuidV5(conversationId.toLowerCase(), REMUNERATION_EVENT_NAMESPACE);
}
