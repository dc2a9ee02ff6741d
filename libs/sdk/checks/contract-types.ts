/**
 * The SDK's plain types are the contract's: each pair must be assignable both ways, or this file does
 * not compile (`npm run lint` runs tsc over it). Type imports only: nothing here reaches the SDK build.
 */
import type {
  Channel as ContractChannel,
  CloseReason as ContractCloseReason,
  ConversationStatus as ContractConversationStatus,
  Message as ContractMessage,
  Platform as ContractPlatform,
  PostedMessage as ContractPostedMessage,
  VisitorConversationSummary as ContractConversationSummary,
} from '@pupitre/shared/contracts';
import type { ErrorCode as ContractErrorCode } from '@pupitre/shared/errors/error-code';
import type { z } from 'zod';
import type {
  messagePageSchema,
  pushTokenBody,
  QueueUpdatedEvent,
  registeredVisitorSchema,
} from '@pupitre/shared/contracts/public/sdk-api';
import type {
  Channel,
  CloseReason,
  ConversationStatus,
  ConversationSummary,
  ErrorCode,
  Message,
  MessagePage,
  Platform,
  PostedMessage,
  PushToken,
  QueueUpdate,
  RegisteredVisitor,
} from '../src/types';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const same = <T extends true>(): T | undefined => undefined;

export const checks = [
  same<Same<Channel, ContractChannel>>(),
  same<Same<Platform, ContractPlatform>>(),
  same<Same<ErrorCode, ContractErrorCode>>(),
  same<Same<Message, ContractMessage>>(),
  same<Same<CloseReason, ContractCloseReason>>(),
  same<Same<ConversationStatus, ContractConversationStatus>>(),
  same<Same<PostedMessage, ContractPostedMessage>>(),
  same<Same<MessagePage, z.infer<typeof messagePageSchema>>>(),
  same<Same<RegisteredVisitor, z.infer<typeof registeredVisitorSchema>>>(),
  same<Same<ConversationSummary, ContractConversationSummary>>(),
  same<Same<QueueUpdate, QueueUpdatedEvent>>(),
  same<Same<PushToken, z.infer<typeof pushTokenBody>>>(),
];
