import http from 'node:http';
import net from 'node:net';
import { listenOnSockets } from './listen';

/** An HTTP server on 127.0.0.1 that answers 200 and counts the connections each turn of the loop accepts. */
async function startServer(sockets: number, port = 0) {
  const server = http.createServer((_req, res) => res.end('ok'));
  let turn = 0;
  const perTurn = new Map<number, number>();
  server.on('connection', () => perTurn.set(turn, (perTurn.get(turn) ?? 0) + 1));
  let ticking = true;
  const tick = () => {
    turn++;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  const listenMain = (options: net.ListenOptions) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ ...options, host: '127.0.0.1' }, () => resolve());
    });
  try {
    await listenOnSockets(server, listenMain, { port, backlog: 511, sockets });
  } catch (err) {
    ticking = false;
    throw err;
  }
  const bound = (server.address() as net.AddressInfo).port;
  return {
    server,
    port: bound,
    mostInOneTurn: () => Math.max(...perTurn.values()),
    close: () => {
      ticking = false;
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Opens `count` connections at once (before the server's loop turns) and sends a GET on each. */
function getOnNewConnections(port: number, count: number): Promise<string[]> {
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<string>((resolve, reject) => {
          const req = http.get({ host: '127.0.0.1', port, agent: false }, (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => resolve(body));
          });
          req.on('error', reject);
        }),
    ),
  );
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

describe(listenOnSockets.name, () => {
  it('accepts one new connection per turn of the event loop with one socket', async () => {
    const sut = await startServer(1);
    try {
      const bodies = await getOnNewConnections(sut.port, 40);
      expect(bodies).toEqual(Array(40).fill('ok'));
      expect(sut.mostInOneTurn()).toBe(1);
    } finally {
      await sut.close();
    }
  });

  it('accepts several in one turn with several sockets, all served by the one HTTP server', async () => {
    const sut = await startServer(8);
    try {
      const bodies = await getOnNewConnections(sut.port, 40);
      expect(bodies).toEqual(Array(40).fill('ok'));
      expect(sut.mostInOneTurn()).toBeGreaterThan(1);
    } finally {
      await sut.close();
    }
  });

  it('frees the port of every socket when the server closes', async () => {
    const sut = await startServer(4);
    await getOnNewConnections(sut.port, 8);
    await sut.close();
    expect(await canBind(sut.port)).toBe(true);
  });

  it('fails on a port something already listens on, as with one socket', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen({ port: 0, host: '127.0.0.1' }, resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      await expect(startServer(4, port)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
