import { createHash } from 'node:crypto';

/** Billing's own namespace for name-based ids (a fixed, random UUID: never change it). */
export const REMUNERATION_EVENT_NAMESPACE = '4f1b6c1e-8a3d-4b7e-9c25-6d0e2f7a9b13';

/** A name-based UUID, version 5 (RFC 9562: SHA-1 of the namespace's bytes then the name's). */
export function uuidV5(name: string, namespace: string): string {
  const bytes = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest()
    .subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50; // version 5
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 9562 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * R14 and the finance contract: a conversation never gets two different `eventId`s. The id is derived
 * from the conversation id, so a rebuild of billing from the events (tables emptied, closes
 * replayed) publishes the very same `eventId` again.
 */
export function remunerationEventId(conversationId: string): string {
  return uuidV5(conversationId.toLowerCase(), REMUNERATION_EVENT_NAMESPACE);
}
