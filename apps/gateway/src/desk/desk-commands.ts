import { Injectable } from '@nestjs/common';
import type { z } from 'zod';
import { DeskCommandName, deskCommandPayloads } from '@pupitre/shared';
import { DeskViews } from '../fanout';
import { RequestClient } from '../kafka';
import { parseInput } from '../http';

type Payload<C extends DeskCommandName> = z.output<(typeof deskCommandPayloads)[C]>;

interface DeskCommand<C extends DeskCommandName> {
  schema: z.ZodType<Payload<C>, z.ZodTypeDef, unknown>;
  /** Asks one service; what it returns is spread into the `{ok: true}` acknowledgement. */
  handle(agentId: string, payload: Payload<C>): Promise<object>;
}

export type DeskCommandTable = { [C in DeskCommandName]: DeskCommand<C> };

/** The desk socket's commands (CONTRACT.md, Desk socket): name → payload schema → one request. */
@Injectable()
export class DeskCommands {
  private readonly table: DeskCommandTable = {
    'agent.status': {
      schema: deskCommandPayloads['agent.status'],
      handle: async (agentId, { status }) => {
        await this.client.request('routing', 'agent.set-status', { agentId, status }, { key: agentId });
        return {};
      },
    },
    'message.send': {
      schema: deskCommandPayloads['message.send'],
      handle: (agentId, d) =>
        this.client.request(
          'conversation',
          'agent.post-message',
          { agentId, ...d },
          { key: this.keyOf(d.conversationId) },
        ),
    },
    'canned.list': {
      schema: deskCommandPayloads['canned.list'],
      handle: async () => ({ items: await this.client.request('conversation', 'canned.list', {}) }),
    },
    'canned.send': {
      schema: deskCommandPayloads['canned.send'],
      handle: (agentId, d) =>
        this.client.request(
          'conversation',
          'agent.send-canned',
          { agentId, ...d },
          { key: this.keyOf(d.conversationId) },
        ),
    },
    'conversation.release': {
      schema: deskCommandPayloads['conversation.release'],
      handle: (agentId, { conversationId }) =>
        this.client.request(
          'routing',
          'conversation.release',
          { agentId, conversationId },
          { key: conversationId },
        ),
    },
    'conversation.close': {
      schema: deskCommandPayloads['conversation.close'],
      handle: (agentId, { conversationId }) =>
        this.client.request(
          'conversation',
          'agent.close',
          { agentId, conversationId },
          { key: this.keyOf(conversationId) },
        ),
    },
    'conversation.tag.add': {
      schema: deskCommandPayloads['conversation.tag.add'],
      handle: (agentId, d) => this.tag(agentId, d, 'add'),
    },
    'conversation.tag.remove': {
      schema: deskCommandPayloads['conversation.tag.remove'],
      handle: (agentId, d) => this.tag(agentId, d, 'remove'),
    },
    'visitor.block': {
      schema: deskCommandPayloads['visitor.block'],
      handle: (agentId, { conversationId }) =>
        this.client.request(
          'conversation',
          'agent.block-visitor',
          { agentId, conversationId },
          { key: this.keyOf(conversationId) },
        ),
    },
    'conversation.transfer': {
      schema: deskCommandPayloads['conversation.transfer'],
      handle: (agentId, d) =>
        this.client.request('routing', 'conversation.transfer', { agentId, ...d }, { key: d.conversationId }),
    },
    'agents.transferTargets': {
      schema: deskCommandPayloads['agents.transferTargets'],
      handle: (agentId, { conversationId }) =>
        this.client.request(
          'routing',
          'conversation.transfer-targets',
          { agentId, conversationId },
          { key: conversationId },
        ),
    },
    'conversation.history': {
      schema: deskCommandPayloads['conversation.history'],
      handle: (agentId, d) =>
        this.client.request(
          'conversation',
          'agent.list-messages',
          { agentId, conversationId: d.conversationId, before: d.before ?? null, limit: d.limit },
          { key: d.conversationId },
        ),
    },
  };

  constructor(
    private readonly client: RequestClient,
    private readonly views: DeskViews,
  ) {}

  /** Every command's name, to listen for on each desk socket. */
  get names(): DeskCommandName[] {
    return Object.keys(this.table) as DeskCommandName[];
  }

  /**
   * Parses the payload (a malformed one is VALIDATION_FAILED before any other check), then asks the
   * service on behalf of the agent, given lazily so a refusal of the payload comes first.
   */
  async run<C extends DeskCommandName>(command: C, payload: unknown, agentId: () => string): Promise<object> {
    const { schema, handle } = this.table[command] as DeskCommand<C>;
    const data = parseInput(schema, payload ?? {}, 'payload');
    return handle(agentId(), data);
  }

  private tag(agentId: string, d: { conversationId: string; tag: string }, action: 'add' | 'remove') {
    const data = { agentId, conversationId: d.conversationId, tag: d.tag, action };
    return this.client.request('conversation', 'agent.tag', data, {
      key: this.keyOf(d.conversationId),
    });
  }

  /**
   * The key of a command that writes to a conversation on `conversation.requests`: its visitor's id
   * when this gateway has seen it (the view on the agent's desk, or any of its messages: DeskViews
   * remembers the visitor once the view is gone, so the key does not switch while an agent works on
   * the conversation), so that the conversation's commands and its visitor's messages (keyed by the
   * visitor) go to one partition. Keyed by the conversation, two partitions' batches locked the same
   * conversation row at once, and with the database a few milliseconds away the waits chained into a
   * slow regime (issue 7, session 46). Unseen here (a gateway just started, before the desk's state or
   * any of its messages), the conversation's id.
   */
  private keyOf(conversationId: string): string {
    return this.views.visitorOf(conversationId) ?? conversationId;
  }
}
