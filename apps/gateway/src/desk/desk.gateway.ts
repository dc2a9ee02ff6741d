import { Logger } from '@nestjs/common';
import {
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { AgentView, DeskCommandName, DomainError } from '@pupitre/shared';
import { FanoutService, rooms, SocketHub } from '../fanout';
import { ackOf, connectError } from '../http';
import { SocketLimits } from '../socket-limits';
import { DeskSessionService } from './desk-session.service';
import { DeskCommands } from './desk-commands';

function agentOf(socket: Socket): AgentView {
  const agent = (socket.data as { agent?: AgentView }).agent;
  if (!agent) throw new DomainError('UNAUTHENTICATED', 'not signed in');
  return agent;
}

/**
 * The agent desk's socket (CONTRACT.md, Desk socket). The handshake token is checked in the
 * namespace middleware, so a bad or replaced token fails the connection with UNAUTHENTICATED.
 * Each command (DeskCommands' table) parses its payload, asks one service, and acknowledges.
 */
@WebSocketGateway({ namespace: '/desk', cors: { origin: '*' } })
export class DeskGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(DeskGateway.name);

  constructor(
    private readonly sessions: DeskSessionService,
    private readonly commands: DeskCommands,
    private readonly hub: SocketHub,
    private readonly fanout: FanoutService,
    private readonly limits: SocketLimits,
  ) {}

  afterInit(nsp: Namespace): void {
    // First: connection and event limits run before the token check and desk.connect.
    this.limits.attach(nsp, 'desk');
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
    // Before any await, so that no command sent right after connecting goes unheard.
    for (const command of this.commands.names)
      socket.on(command, (...args: unknown[]) => this.onCommand(socket, command, args));
    try {
      const agent = agentOf(socket);
      // A rotation heard while this socket was still in its handshake did not see it: end it here.
      if (this.fanout.openedWithRotatedToken(socket)) {
        socket.disconnect(true);
        return;
      }
      await socket.join(rooms.agent(agent.id));
      await this.sessions.state(
        agent,
        (ids) => Promise.resolve(socket.join(ids.map((id) => rooms.conversation(id)))),
        (state, leave) => {
          // Every conversation shown has its room joined (those pushed during the reads joined it
          // already), and none left out keeps it; all before the emit, with no await.
          for (const id of leave) void socket.leave(rooms.conversation(id));
          void socket.join(state.conversations.map((c) => rooms.conversation(c.id)));
          socket.emit('desk.state', state);
        },
      );
    } catch (err) {
      this.logger.warn(`desk ${socket.id} could not be opened: ${(err as Error).message}`);
      socket.disconnect(true);
    }
  }

  handleDisconnect(socket: Socket): void {
    const agent = (socket.data as { agent?: AgentView }).agent;
    if (agent) this.forget(agent.id, socket.id);
  }

  /** Socket.IO hands over the payload and, last, the acknowledgement callback (as Nest's adapter reads them). */
  private onCommand(socket: Socket, command: DeskCommandName, args: unknown[]): void {
    const last = args.at(-1);
    const ack = typeof last === 'function' ? (last as (answer: unknown) => void) : undefined;
    const data = ack ? args.slice(0, -1) : args;
    const payload = data.length <= 1 ? data[0] : data;
    void ackOf(command, () => this.commands.run(command, payload, () => agentOf(socket).id)).then((answer) =>
      ack?.(answer),
    );
  }

  /** Routing counts the agent's open desks: with none left they are offline. */
  private forget(agentId: string, connectionId: string): void {
    this.sessions.close(agentId, connectionId).catch((err: Error) => {
      // Routing also drops this instance's connections at its next start (desk.instance-started).
      this.logger.warn(`desk.disconnect for agent ${agentId} failed: ${err.message}`);
    });
  }
}
