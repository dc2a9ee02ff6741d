import type { AgentStatus, Channel, Message, Platform } from '../common';
import type { Remuneration } from '../billing-remunerations/remuneration';
import type {
  AgentView,
  CannedResponse,
  ConversationView,
  HeldConversation,
  PostedMessage,
  VisitorConversationSummary,
} from '../views';

type Op<In, Out> = { in: In; out: Out };
type AgentAct = { agentId: string; conversationId: string };

/** The requests each service answers on `<service>.requests`: a wrong shape does not compile. */
export interface ConversationOps {
  'system.ping': Op<Record<string, never>, { service: string }>;
  'visitor.register': Op<
    { visitorId: string; channel: Channel; name: string | null; platform: Platform | null },
    { visitorId: string }
  >;
  'visitor.post-message': Op<{ visitorId: string; text: string; clientMessageId: string }, PostedMessage>;
  'visitor.list-conversations': Op<{ visitorId: string }, VisitorConversationSummary[]>;
  'visitor.list-messages': Op<
    { visitorId: string; conversationId: string; after: string | null; limit: number },
    { items: Message[]; nextCursor?: string }
  >;
  'agent.post-message': Op<AgentAct & { text: string; clientMessageId: string }, { messageId: string }>;
  'agent.send-canned': Op<
    AgentAct & { cannedResponseId: string; clientMessageId: string },
    { messageId: string }
  >;
  'agent.close': Op<AgentAct, Record<string, never>>;
  'agent.block-visitor': Op<AgentAct, Record<string, never>>;
  'agent.tag': Op<AgentAct & { tag: string; action: 'add' | 'remove' }, { tags: string[] }>;
  /** Views of the given conversations, in the order asked; unknown ids are left out. */
  'conversation.views': Op<{ conversationIds: string[] }, ConversationView[]>;
  'conversation.view': Op<{ conversationId: string }, ConversationView>;
  'canned.create': Op<{ id: string; title: string; text: string }, CannedResponse>;
  'canned.list': Op<Record<string, never>, CannedResponse[]>;
  'canned.delete': Op<{ id: string }, Record<string, never>>;
}

export interface RoutingOps {
  'system.ping': Op<Record<string, never>, { service: string }>;
  'agent.create': Op<
    { agentId: string; name: string; chatCapacity: number | null },
    AgentView & { tokenVersion: number }
  >;
  'agent.list': Op<Record<string, never>, AgentView[]>;
  'agent.get': Op<{ agentId: string }, AgentView>;
  /** The agent and the conversations they hold now, oldest assignment first (the desk's state). */
  'agent.desk': Op<{ agentId: string }, { agent: AgentView; held: HeldConversation[] }>;
  'agent.update': Op<{ agentId: string; name?: string; chatCapacity?: number }, AgentView>;
  'agent.rotate-token': Op<{ agentId: string }, { tokenVersion: number }>;
  'desk.connect': Op<
    { agentId: string; tokenVersion: number; connectionId: string; gatewayInstance: string },
    AgentView
  >;
  'desk.disconnect': Op<{ agentId: string; connectionId: string }, Record<string, never>>;
  'desk.instance-started': Op<{ gatewayInstance: string }, Record<string, never>>;
  'agent.set-status': Op<{ agentId: string; status: Exclude<AgentStatus, 'offline'> }, AgentView>;
  'conversation.release': Op<{ agentId: string; conversationId: string }, Record<string, never>>;
  'conversation.transfer': Op<
    { agentId: string; conversationId: string; toAgentId: string },
    Record<string, never>
  >;
}

export interface BillingOps {
  'system.ping': Op<Record<string, never>, { service: string }>;
  'remunerations.list': Op<
    { agentId: string | null; from: string | null; to: string | null },
    { items: Remuneration[]; total: { amountMinor: number; currency: string } }
  >;
}

export interface ServiceOps {
  conversation: ConversationOps;
  routing: RoutingOps;
  billing: BillingOps;
}
