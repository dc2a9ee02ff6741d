// Types only, straight from the contract files: the shared barrel would pull TypeORM and kafkajs in.
export type { ConversationView, CannedResponse } from '../../../libs/shared/src/contracts/views';
export type {
  Message,
  Slots,
  Channel,
  AgentStatus,
  CloseReason,
} from '../../../libs/shared/src/contracts/common';
export type { TransferTargetItem } from '../../../libs/shared/src/contracts/public/desk-socket';

export interface ErrorBody {
  code: string;
  message: string;
}

/** A desk command's acknowledgement (CONTRACT.md, Desk socket). */
export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; error: ErrorBody };
