import { Inject, Injectable } from '@nestjs/common';
import type { Namespace, Socket } from 'socket.io';
import { AgentView, DomainError } from '@pupitre/shared';
import { TokenService } from '../auth';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/env.validation';
import { clientAddress } from '../config/trust-proxy';
import { ackError, connectError } from '../http';
import { RateLimits } from '../limits';
import { OpenCounts } from './open-counts';

export type SocketKind = 'desk' | 'visitor';

type SocketLimitsConfig = Pick<
  GatewayConfig,
  'TRUST_PROXY' | 'SOCKET_MAX_CONNECTIONS_PER_AGENT' | 'SOCKET_MAX_CONNECTIONS_PER_ADDRESS'
>;

/**
 * Socket.IO's limits past the adapter's (payload size, pings: LimitedIoAdapter), for both
 * namespaces: at the handshake, a connection rate and an open-connection count per client address
 * (TRUST_PROXY), and on /desk an open-connection count per agent, the handshake costing the agent one
 * command (each is a `desk.connect` in routing); then every event a socket sends is limited per
 * socket, and on /desk per agent across their sockets, `agent.status` also per socket. A refused
 * handshake fails with RATE_LIMITED (`connect_error`, data `{code, message, retryAfterSeconds}`); a
 * refused event is dropped and its ack, if any, answered `{ok: false, error: {code: 'RATE_LIMITED', …}}`.
 * Counts are of connected sockets: handshakes under way at the same moment can overshoot them by what
 * the connection rate lets through.
 */
@Injectable()
export class SocketLimits {
  private readonly perAddress = new OpenCounts();
  private readonly perAgent = new OpenCounts();

  constructor(
    private readonly limits: RateLimits,
    private readonly tokens: TokenService,
    @Inject(GATEWAY_CONFIG) private readonly config: SocketLimitsConfig,
  ) {}

  /** First thing in a gateway's afterInit: its middleware runs before the gateway's own. */
  attach(nsp: Namespace, kind: SocketKind): void {
    nsp.use((socket, next) => {
      try {
        this.admit(socket, kind);
        next();
      } catch (err) {
        next(connectError(err));
      }
    });
    nsp.on('connection', (socket: Socket) => this.connected(socket, kind));
  }

  /** The client's address, as Express's `req.ip` would find it for the handshake's request. */
  addressOf(socket: Socket): string {
    const { address, headers } = socket.handshake;
    return clientAddress(address, headers['x-forwarded-for'], this.config.TRUST_PROXY);
  }

  private admit(socket: Socket, kind: SocketKind): void {
    const address = this.addressOf(socket);
    this.limits.take('connections', address);
    if (this.perAddress.of(address) >= this.config.SOCKET_MAX_CONNECTIONS_PER_ADDRESS)
      throw new DomainError('RATE_LIMITED', 'too many connections open from this address');
    if (kind !== 'desk') return;
    const agentId = this.agentOfHandshake(socket);
    if (agentId === null) return; // the desk's own middleware refuses it
    this.limits.take('agentCommands', agentId);
    if (this.perAgent.of(agentId) >= this.config.SOCKET_MAX_CONNECTIONS_PER_AGENT)
      throw new DomainError('RATE_LIMITED', 'too many desks open for this agent');
  }

  private connected(socket: Socket, kind: SocketKind): void {
    // A gateway that ended it already (synchronously) in its own connection handler: nothing to count.
    if (!socket.connected) return;
    const address = this.addressOf(socket);
    const agentId = kind === 'desk' ? (socket.data as { agent?: AgentView }).agent?.id : undefined;
    this.perAddress.add(address);
    if (agentId) this.perAgent.add(agentId);
    socket.use((event, next) => this.onEvent(socket, agentId, event, next));
    socket.once('disconnect', () => {
      this.perAddress.remove(address);
      if (agentId) this.perAgent.remove(agentId);
      this.limits.forget('socketEvents', socket.id);
      this.limits.forget('agentStatus', socket.id);
    });
  }

  private onEvent(socket: Socket, agentId: string | undefined, event: unknown[], next: () => void): void {
    try {
      this.limits.take('socketEvents', socket.id);
      if (agentId) {
        this.limits.take('agentCommands', agentId);
        if (event[0] === 'agent.status') this.limits.take('agentStatus', socket.id);
      }
    } catch (err) {
      const ack = event.at(-1);
      if (typeof ack === 'function') (ack as (answer: unknown) => void)({ ok: false, error: ackError(err) });
      return;
    }
    next();
  }

  private agentOfHandshake(socket: Socket): string | null {
    try {
      const token: unknown = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
      return this.tokens.verifyAgent(token).agentId;
    } catch {
      return null;
    }
  }
}
