import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import net from 'node:net';

export interface ListenOptions {
  port: number;
  backlog: number;
  /** Listening sockets on the port, in this process (1: one, as `server.listen` alone). */
  sockets: number;
}

/** The share of the process's descriptors that listening sockets may take, at most. */
export const LISTENING_SHARE_OF_DESCRIPTORS = 1 / 16;

/**
 * Listens on the port with `sockets` listening sockets instead of one, all in this process.
 *
 * Since libuv 1.45 (Node 20 and later) a listening socket accepts one connection per turn of the
 * event loop (libuv#3696), and a turn of the gateway's loop under load takes tens of milliseconds: a
 * burst of new connections (clients retrying through an overload each open one) waited in the
 * kernel's accept queue, and their refusals took seconds however fast the gateway answered them. With
 * SO_REUSEPORT the kernel spreads new connections over the sockets, and each accepts one per turn.
 * The extra sockets hand what they accept to the HTTP server as its own connections (the `connection`
 * event, as Node's http documents): requests, timeouts and Socket.IO's upgrades are the same.
 * Linux only (where the kernel balances such sockets); elsewhere one socket, as before. The sockets
 * take at most a sixteenth of the descriptors the process may open (`RLIMIT_NOFILE`, which Node raises
 * to its hard limit at start), so that a low limit is left to the connections: 64 under a limit of
 * 1,024. Resolves to the number of sockets listening.
 *
 * SO_REUSEPORT would also let a second process of the same user bind the port (a gateway started
 * twice) and take part of its connections; the port is first bound alone, so a process started on it
 * later still fails with EADDRINUSE, as it did with one socket. `server.close()` closes every socket
 * and calls back once the connections of all of them have ended.
 */
export async function listenOnSockets(
  server: Server,
  listenMain: (options: net.ListenOptions) => Promise<unknown>,
  { port, backlog, sockets }: ListenOptions,
  platform: NodeJS.Platform = process.platform,
  descriptors: number | null = platform === 'linux' ? openFilesLimit() : null,
): Promise<number> {
  const count =
    descriptors === null
      ? sockets
      : Math.min(sockets, Math.max(1, Math.floor(descriptors * LISTENING_SHARE_OF_DESCRIPTORS)));
  if (count <= 1 || platform !== 'linux') {
    await listenMain({ port, backlog });
    return 1;
  }
  if (port !== 0) await assertPortFree(port);
  await listenMain({ port, backlog, reusePort: true });
  // The same address and port as the first socket (a wildcard, or the host it was given).
  const { address: host, port: bound } = server.address() as net.AddressInfo;
  const extra: net.Server[] = [];
  const closeMain = server.close.bind(server);
  // A connection counts on the socket that accepted it: wait for every socket's to end.
  server.close = (callback?: (err?: Error) => void) => {
    const extraClosed = Promise.all(extra.map(closeWhenDrained));
    return closeMain((err?: Error) => void extraClosed.then(() => callback?.(err)));
  };
  try {
    for (let i = 1; i < count; i++) {
      // The options http.Server gives its own listening socket (allowHalfOpen for HTTP's half-closes).
      const acceptor = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) =>
        server.emit('connection', socket),
      );
      extra.push(acceptor);
      await new Promise<void>((resolve, reject) => {
        acceptor.once('error', reject);
        acceptor.listen({ host, port: bound, backlog, reusePort: true }, () => {
          acceptor.off('error', reject);
          resolve();
        });
      });
    }
  } catch (err) {
    // The port is not left bound by the sockets that did listen.
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw err;
  }
  return count;
}

/**
 * The descriptors this process may open (the soft `RLIMIT_NOFILE`, from /proc/self/limits), or null
 * where that cannot be read or has no limit.
 */
export function openFilesLimit(
  read: () => string = () => readFileSync('/proc/self/limits', 'utf8'),
): number | null {
  try {
    const soft = /^Max open files\s+(\S+)/m.exec(read())?.[1];
    const n = Number(soft);
    return soft !== undefined && Number.isSafeInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

/** Closes a socket (again, if need be) and resolves once its connections have ended. */
function closeWhenDrained(acceptor: net.Server): Promise<void> {
  return new Promise((resolve) => acceptor.close(() => resolve()));
}

/** Binds the port without SO_REUSEPORT and lets it go: EADDRINUSE if anything listens on it. */
function assertPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen({ port, exclusive: true }, () => probe.close(() => resolve()));
  });
}
