import { OnGatewayConnection, OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { TokenService, VisitorPrincipal } from '../auth';
import { QueuePositions, rooms, SocketHub } from '../fanout';
import { connectError } from '../http';

/**
 * The SDK's socket (CONTRACT.md): a visitor's devices hear `message.created`,
 * `conversation.closed` and, while a conversation waits, `queue.updated` (its place, on connecting
 * and whenever it moves). A bad token fails the connection (UNAUTHENTICATED).
 */
@WebSocketGateway({ namespace: '/visitor', cors: { origin: '*' } })
export class VisitorGateway implements OnGatewayInit, OnGatewayConnection {
  constructor(
    private readonly tokens: TokenService,
    private readonly hub: SocketHub,
    private readonly positions: QueuePositions,
  ) {}

  afterInit(nsp: Namespace): void {
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
  }

  async handleConnection(socket: Socket): Promise<void> {
    const visitor = (socket.data as { visitor?: VisitorPrincipal }).visitor;
    if (!visitor) return void socket.disconnect(true);
    await socket.join(rooms.visitor(visitor.visitorId));
    // A device that connects while its conversation waits learns its place at once.
    for (const update of this.positions.placesOf(visitor.visitorId)) socket.emit('queue.updated', update);
  }
}
