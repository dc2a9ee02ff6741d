import {
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  WebSocketGateway,
} from '@nestjs/websockets';
import { DomainError } from '@pupitre/shared';
import type { Namespace, Socket } from 'socket.io';
import { TokenService, VisitorPrincipal } from '../auth';
import { QueuePositions, rooms, SocketHub } from '../fanout';
import { connectError } from '../http';
import { SocketLimits } from '../socket-limits';
import { VisitorPresenceReporter } from './visitor-presence.reporter';

/**
 * The SDK's socket (CONTRACT.md): a visitor's devices hear `message.created`,
 * `conversation.closed` and, while a conversation waits, `queue.updated` (its place, on connecting
 * and whenever it moves). A bad token fails the connection (UNAUTHENTICATED).
 */
@WebSocketGateway({ namespace: '/visitor', cors: { origin: '*' } })
export class VisitorGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  constructor(
    private readonly tokens: TokenService,
    private readonly hub: SocketHub,
    private readonly limits: SocketLimits,
    private readonly positions: QueuePositions,
    private readonly presence: VisitorPresenceReporter,
  ) {}

  afterInit(nsp: Namespace): void {
    this.limits.attach(nsp, 'visitor');
    this.hub.attachVisitor(nsp);
    nsp.use((socket, next) => {
      try {
        const token: unknown = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
        (socket.data as { visitor?: VisitorPrincipal }).visitor = this.tokens.verifyVisitor(token);
        next();
      } catch (err) {
        next(connectError(err));
      }
    });
    // Last: conversation knows of the socket before the client sees it connected (push waits on it).
    nsp.use((socket, next) => {
      const data = socket.data as { visitor?: VisitorPrincipal; present?: boolean };
      if (!data.visitor) return next();
      const { visitorId } = data.visitor;
      this.presence.connecting(visitorId).then(
        () => {
          // Closed meanwhile: socket.io drops it with no `disconnect`, so the +1 is undone here.
          if (socket.conn.readyState !== 'open') {
            this.presence.disconnected(visitorId);
            return next(connectError(new DomainError('UNAVAILABLE', 'the connection closed while opening')));
          }
          data.present = true;
          next();
        },
        (err: unknown) => next(connectError(err)),
      );
    });
  }

  handleDisconnect(socket: Socket): void {
    const data = socket.data as { visitor?: VisitorPrincipal; present?: boolean };
    if (data.visitor && data.present) this.presence.disconnected(data.visitor.visitorId);
  }

  async handleConnection(socket: Socket): Promise<void> {
    const visitor = (socket.data as { visitor?: VisitorPrincipal }).visitor;
    if (!visitor) return void socket.disconnect(true);
    await socket.join(rooms.visitor(visitor.visitorId));
    // A device that connects while its conversation waits learns its place at once.
    for (const update of this.positions.placesOf(visitor.visitorId)) socket.emit('queue.updated', update);
  }
}
