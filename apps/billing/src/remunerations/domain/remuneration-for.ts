import type { Channel, CloseReason } from '@pupitre/shared/contracts';

export interface ClosedConversation {
  conversationId: string;
  channel: Channel;
  closedAt: Date;
  closeReason: CloseReason;
  lastAgentMessage: { messageId: string; agentId: string } | null;
}

/** Amounts in minor units (cents). */
export interface RemunerationRates {
  mobile_app: number;
  web_chat: number;
  currency: string;
}

interface Attribution {
  conversationId: string;
  agentId: string;
  channel: Channel;
  closedAt: Date;
  closeReason: CloseReason;
  lastAgentMessageId: string;
  amountMinor: number;
  currency: string;
}

/**
 * R14: the author of the last agent message before the close is paid, whoever held or closed it,
 * whatever the close reason. No agent message, no remuneration.
 */
export function remunerationFor(closed: ClosedConversation, rates: RemunerationRates): Attribution | null {
  if (closed.lastAgentMessage === null) return null;
  return {
    conversationId: closed.conversationId,
    agentId: closed.lastAgentMessage.agentId,
    channel: closed.channel,
    closedAt: new Date(closed.closedAt.getTime()),
    closeReason: closed.closeReason,
    lastAgentMessageId: closed.lastAgentMessage.messageId,
    amountMinor: rates[closed.channel],
    currency: rates.currency,
  };
}
