import type { Capabilities } from '../domain/capabilities';
import type {
  AgentStatus,
  Channel,
  CloseReason,
  ConversationStatus,
  Deadlines,
  Message,
  Platform,
  Slots,
} from './common';

/** CONTRACT.md: what the desk shows for one conversation. */
export interface ConversationView {
  id: string;
  channel: Channel;
  status: ConversationStatus;
  visitor: { id: string; name: string | null; platform: Platform | null; blocked: boolean };
  tags: string[];
  messages: Message[];
  assignedAt: string | null;
  deadlines: Deadlines;
  capabilities: Capabilities;
}

/** Routing's word on a conversation an agent holds: the source of truth for the desk's list. */
export interface HeldConversation {
  conversationId: string;
  assignedAt: string;
  deadlines: Deadlines;
}

export interface VisitorConversationSummary {
  id: string;
  channel: Channel;
  status: ConversationStatus;
  createdAt: string;
  closedAt?: string;
  closeReason?: CloseReason;
}

export interface AgentView {
  id: string;
  name: string;
  chatCapacity: number;
  mobileCapacity: number;
  status: AgentStatus;
  slots: Slots;
}

export interface CannedResponse {
  id: string;
  title: string;
  text: string;
}

export interface PostedMessage {
  conversationId: string;
  messageId: string;
  createdAt: string;
}
