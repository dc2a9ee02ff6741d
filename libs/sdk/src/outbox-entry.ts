import type { SdkErrorCode } from './errors';

/** `pending` until the server answers; then `sent` (with the server's ids) or `failed` (with the code). */
export type OutboxState = 'pending' | 'sent' | 'failed';

/** One message the app sent, as the outbox tracks it. */
export interface OutboxEntry {
  clientMessageId: string;
  text: string;
  state: OutboxState;
  /** When the app called `send` (the device's clock). */
  queuedAt: string;
  /** Tries so far. */
  attempts: number;
  /** Once sent. */
  conversationId?: string;
  messageId?: string;
  createdAt?: string;
  /** Once failed: why. While pending, the last retryable failure, if any. */
  error?: { code: SdkErrorCode; message: string };
}
