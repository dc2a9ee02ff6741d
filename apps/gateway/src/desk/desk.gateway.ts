import { Logger } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { AgentView, DomainError } from '@pupitre/shared';
import { rooms } from '../fanout/rooms';
import { SocketHub } from '../fanout/socket-hub';
import { ackOf, connectError } from '../http/socket-errors';
import { RequestClient } from '../kafka/request.client';
import { DeskSessionService } from './desk-session.service';
import { parseCommand } from './desk.schemas';

function agentOf(socket: Socket): AgentView {
  const agent = (socket.data as { agent?: AgentView }).agent;
  if (!agent) throw new DomainError('UNAUTHENTICATED', 'not signed in');
  return agent;
}

/**
 * The agent desk's socket (CONTRACT.md, Desk socket). The handshake token is checked in the
 * namespace middleware, so a bad or replaced token fails the connection with UNAUTHENTICATED.
 * Each command parses its payload, asks one service, and acknowledges.
 */
@WebSocketGateway({ namespace: '/desk', cors: { origin: '*' } })
export class DeskGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(DeskGateway.name);

  constructor(
    private readonly sessions: DeskSessionService,
    private readonly client: RequestClient,
    private readonly hub: SocketHub,
  ) {}

  afterInit(nsp: Namespace): void {
    this.hub.attachDesk(nsp);
    nsp.use((socket, next) => {
      const token: unknown = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
      this.sessions.open(token, socket.id).then(
        (agent) => {
          if (socket.conn.readyState !== 'open') {
            this.forget(agent.id, socket.id);
            return next(connectError(new DomainError('UNAVAILABLE', 'the connection closed while opening')));
          }
          (socket.data as { agent?: AgentView }).agent = agent;
          next();
        },
        (err: unknown) => next(connectError(err)),
      );
    });
  }

  async handleConnection(socket: Socket): Promise<void> {
    try {
      const agent = agentOf(socket);
      await socket.join(rooms.agent(agent.id));
      const state = await this.sessions.state(agent);
      await socket.join(state.conversations.map((c) => rooms.conversation(c.id)));
      socket.emit('desk.state', state);
    } catch (err) {
      this.logger.warn(`desk ${socket.id} could not be opened: ${(err as Error).message}`);
      socket.disconnect(true);
    }
  }

  handleDisconnect(socket: Socket): void {
    const agent = (socket.data as { agent?: AgentView }).agent;
    if (agent) this.forget(agent.id, socket.id);
  }

  @SubscribeMessage('agent.status')
  status(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown) {
    return ackOf('agent.status', async () => {
      const agentId = agentOf(socket).id;
      const { status } = parseCommand('agent.status', payload);
      await this.client.request('routing', 'agent.set-status', { agentId, status }, { key: agentId });
      return {};
    });
  }

  @SubscribeMessage('message.send')
  send(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown) {
    return ackOf('message.send', () => {
      const d = parseCommand('message.send', payload);
      const data = { agentId: agentOf(socket).id, ...d };
      return this.client.request('conversation', 'agent.post-message', data, { key: d.conversationId });
    });
  }

  @SubscribeMessage('canned.list')
  cannedList(@ConnectedSocket() socket: Socket) {
    return ackOf('canned.list', async () => {
      agentOf(socket);
      return { items: await this.client.request('conversation', 'canned.list', {}) };
    });
  }

  @SubscribeMessage('canned.send')
  cannedSend(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown) {
    return ackOf('canned.send', () => {
      const d = parseCommand('canned.send', payload);
      const data = { agentId: agentOf(socket).id, ...d };
      return this.client.request('conversation', 'agent.send-canned', data, { key: d.conversationId });
    });
  }

  @SubscribeMessage('conversation.release')
  release(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown) {
    return ackOf('conversation.release', () => {
      const { conversationId } = parseCommand('conversation.release', payload);
      const data = { agentId: agentOf(socket).id, conversationId };
      return this.client.request('routing', 'conversation.release', data, { key: conversationId });
    });
  }

  @SubscribeMessage('conversation.close')
  close(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown) {
    return ackOf('conversation.close', () => {
      const { conversationId } = parseCommand('conversation.close', payload);
      return this.client.request(
        'conversation',
        'agent.close',
        { agentId: agentOf(socket).id, conversationId },
        { key: conversationId },
      );
    });
  }

  @SubscribeMessage('conversation.tag.add')
  tagAdd(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown) {
    return ackOf('conversation.tag.add', () => this.tag(socket, payload, 'add'));
  }

  @SubscribeMessage('conversation.tag.remove')
  tagRemove(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown) {
    return ackOf('conversation.tag.remove', () => this.tag(socket, payload, 'remove'));
  }

  @SubscribeMessage('visitor.block')
  block(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown) {
    return ackOf('visitor.block', () => {
      const { conversationId } = parseCommand('visitor.block', payload);
      const data = { agentId: agentOf(socket).id, conversationId };
      return this.client.request('conversation', 'agent.block-visitor', data, { key: conversationId });
    });
  }

  @SubscribeMessage('conversation.transfer')
  transfer(@ConnectedSocket() socket: Socket, @MessageBody() payload: unknown) {
    return ackOf('conversation.transfer', () => {
      const d = parseCommand('conversation.transfer', payload);
      const data = { agentId: agentOf(socket).id, ...d };
      return this.client.request('routing', 'conversation.transfer', data, { key: d.conversationId });
    });
  }

  private tag(socket: Socket, payload: unknown, action: 'add' | 'remove') {
    const { conversationId, tag } = parseCommand('conversation.tag', payload);
    const data = { agentId: agentOf(socket).id, conversationId, tag, action };
    return this.client.request('conversation', 'agent.tag', data, { key: conversationId });
  }

  /** Routing counts the agent's open desks: with none left they are offline. */
  private forget(agentId: string, connectionId: string): void {
    this.sessions.close(agentId, connectionId).catch((err: Error) => {
      // Routing also drops this instance's connections at its next start (desk.instance-started).
      this.logger.warn(`desk.disconnect for agent ${agentId} failed: ${err.message}`);
    });
  }
}
