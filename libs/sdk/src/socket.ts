import { io } from 'socket.io-client';

/** The part of a Socket.IO client socket the SDK uses (injectable for tests). */
export interface SocketLike {
  readonly connected: boolean;
  /** False once the socket gave up reconnecting by itself (a refused handshake, a server disconnect). */
  readonly active: boolean;
  on(event: string, listener: (...args: never[]) => void): unknown;
  connect(): unknown;
  disconnect(): unknown;
}

export interface SocketOptions {
  auth: (cb: (data: { token: string }) => void) => void;
  transports: string[];
  reconnection: boolean;
  reconnectionDelay: number;
  reconnectionDelayMax: number;
  randomizationFactor: number;
  forceNew: boolean;
}

export type SocketFactory = (url: string, options: SocketOptions) => SocketLike;

export const socketIoFactory: SocketFactory = (url, options) => io(url, options) as unknown as SocketLike;
