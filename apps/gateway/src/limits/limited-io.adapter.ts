import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { ServerOptions } from 'socket.io';
import type { GatewayConfig } from '../config/env.validation';
import { jsonOnlyParser } from './json-parser';

type AdapterConfig = Pick<
  GatewayConfig,
  | 'SOCKET_MAX_PAYLOAD_BYTES'
  | 'SOCKET_PING_INTERVAL_MS'
  | 'SOCKET_PING_TIMEOUT_MS'
  | 'SOCKET_CONNECT_TIMEOUT_MS'
>;

/**
 * Socket.IO with the gateway's limits: the largest message a client may send (larger ones end the
 * connection: the `ws` close 1009, or HTTP 413 when polling), heartbeats that find a vanished client,
 * the time a connection may take to join a namespace, and packets encoded without a search for binary
 * (json-parser.ts).
 */
export class LimitedIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly config: AdapterConfig,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): unknown {
    return super.createIOServer(port, { ...options, ...socketServerOptions(this.config) } as ServerOptions);
  }
}

export function socketServerOptions(config: AdapterConfig): Partial<ServerOptions> {
  return {
    maxHttpBufferSize: config.SOCKET_MAX_PAYLOAD_BYTES,
    pingInterval: config.SOCKET_PING_INTERVAL_MS,
    pingTimeout: config.SOCKET_PING_TIMEOUT_MS,
    connectTimeout: config.SOCKET_CONNECT_TIMEOUT_MS,
    parser: jsonOnlyParser,
  };
}
