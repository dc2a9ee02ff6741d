import type { Server } from 'node:http';
import net from 'node:net';

export interface ListenOptions {
  port: number;
  backlog: number;
  /** Listening sockets on the port, in this process (1: one, as `server.listen` alone). */
  sockets: number;
}

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
 * Linux only (where the kernel balances such sockets); elsewhere one socket, as before.
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
): Promise<void> {
  if (sockets <= 1 || platform !== 'linux') {
    await listenMain({ port, backlog });
    return;
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
    for (let i = 1; i < sockets; i++) {
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
