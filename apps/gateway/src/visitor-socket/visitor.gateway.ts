import { OnGatewayConnection, OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { TokenService, VisitorPrincipal } from '../auth';
import { rooms, SocketHub } from '../fanout';
import { connectError } from '../http';
import { SocketLimits } from '../socket-limits';

/**
 * The SDK's socket (CONTRACT.md): a visitor's devices hear `message.created` and
 * `conversation.closed` for their conversations. A bad token fails the connection (UNAUTHENTICATED).
 */
@WebSocketGateway({ namespace: '/visitor', cors: { origin: '*' } })
export class VisitorGateway implements OnGatewayInit, OnGatewayConnection {
  constructor(
    private readonly tokens: TokenService,
    private readonly hub: SocketHub,
    private readonly limits: SocketLimits,
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
  }

  async handleConnection(socket: Socket): Promise<void> {
    const visitor = (socket.data as { visitor?: VisitorPrincipal }).visitor;
    if (!visitor) return void socket.disconnect(true);
    await socket.join(rooms.visitor(visitor.visitorId));
  }
}
