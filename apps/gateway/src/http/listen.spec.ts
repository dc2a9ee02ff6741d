import http from 'node:http';
import net from 'node:net';
import { listenOnSockets, openFilesLimit } from './listen';

/** An HTTP server on 127.0.0.1 that answers 200 and counts the connections each turn of the loop accepts. */
async function startServer(
  sockets: number,
  {
    port = 0,
    platform = 'linux' as NodeJS.Platform,
    descriptors = null as number | null,
    handler = (res: http.ServerResponse): void => void res.end('ok'),
  } = {},
) {
  const server = http.createServer((_req, res) => handler(res));
  let turn = 0;
  const perTurn = new Map<number, number>();
  server.on('connection', () => perTurn.set(turn, (perTurn.get(turn) ?? 0) + 1));
  let ticking = true;
  const tick = () => {
    turn++;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  server.on('close', () => (ticking = false));
  const mainOptions: net.ListenOptions[] = [];
  const listenMain = (options: net.ListenOptions) =>
    new Promise<void>((resolve, reject) => {
      mainOptions.push(options);
      server.once('error', reject);
      server.listen({ ...options, host: '127.0.0.1' }, () => resolve());
    });
  let listening: number;
  try {
    listening = await listenOnSockets(
      server,
      listenMain,
      { port, backlog: 511, sockets },
      platform,
      descriptors,
    );
  } catch (err) {
    ticking = false;
    throw err;
  }
  const bound = (server.address() as net.AddressInfo).port;
  return {
    server,
    port: bound,
    listening,
    mainOptions,
    mostInOneTurn: () => Math.max(...perTurn.values()),
    close: () => {
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

/** Polls the condition every turn of the event loop until it holds. */
async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
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

  it('calls back on close only once the connections of every socket have ended', async () => {
    const held: http.ServerResponse[] = [];
    const sut = await startServer(8, { handler: (res) => void held.push(res) });
    const answers = getOnNewConnections(sut.port, 16);
    await waitUntil(() => held.length === 16);
    const sockets = held.map((res) => res.socket!);
    const endedAtClose = new Promise<number>((resolve) =>
      sut.server.close(() => resolve(sockets.filter((s) => s.destroyed).length)),
    );
    // One connection at a time, to its end (the client's Connection: close), before the next.
    for (const [i, res] of held.entries()) {
      await new Promise<void>((resolve) => {
        sockets[i].once('close', () => resolve());
        res.end('ok');
      });
    }
    await answers;
    expect(await endedAtClose).toBe(16);
  });

  it('takes at most a sixteenth of the descriptors the process may open', async () => {
    const created = jest.spyOn(net, 'createServer');
    const sut = await startServer(8, { descriptors: 64 });
    try {
      expect(sut.listening).toBe(4);
      // The first socket is the HTTP server's own; the others are opened here.
      expect(created).toHaveBeenCalledTimes(3);
      expect(await getOnNewConnections(sut.port, 8)).toEqual(Array(8).fill('ok'));
    } finally {
      created.mockRestore();
      await sut.close();
    }
  });

  it('listens with every socket asked for when the descriptors leave room, or have no known limit', async () => {
    for (const descriptors of [1024, null]) {
      const sut = await startServer(8, { descriptors });
      await sut.close();
      expect(sut.listening).toBe(8);
    }
  });

  it('listens with one socket, as before, where the kernel does not balance SO_REUSEPORT', async () => {
    const sut = await startServer(8, { platform: 'darwin' });
    try {
      expect(sut.mainOptions).toEqual([{ port: 0, backlog: 511 }]);
      expect(sut.listening).toBe(1);
      expect(await getOnNewConnections(sut.port, 4)).toEqual(Array(4).fill('ok'));
    } finally {
      await sut.close();
    }
  });

  it('fails on a port something already listens on, as with one socket', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen({ port: 0, host: '127.0.0.1' }, resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      await expect(startServer(4, { port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});

describe(openFilesLimit.name, () => {
  const limits = (soft: string) =>
    [
      'Limit                     Soft Limit           Hard Limit           Units     ',
      'Max processes             95678                95678                processes ',
      `Max open files            ${soft.padEnd(20)} 1048576              files     `,
      'Max locked memory         8388608              8388608              bytes     ',
    ].join('\n');

  it('reads the soft limit of open files', () => {
    expect(openFilesLimit(() => limits('20000'))).toBe(20000);
  });

  it('knows no limit where there is none, or where it cannot be read', () => {
    expect(openFilesLimit(() => limits('unlimited'))).toBeNull();
    expect(openFilesLimit(() => 'Limit Soft Limit')).toBeNull();
    expect(
      openFilesLimit(() => {
        throw new Error('ENOENT');
      }),
    ).toBeNull();
  });

  (process.platform === 'linux' ? it : it.skip)('reads this process’s own (Linux)', () => {
    expect(openFilesLimit()).toBeGreaterThan(0);
  });
});
