import type { Namespace, Socket } from 'socket.io';
import type { TokenService } from '../auth';
import type { QueuePositions, SocketHub } from '../fanout';
import type { SocketLimits } from '../socket-limits';
import type { VisitorPresenceReporter } from './visitor-presence.reporter';
import { VisitorGateway } from './visitor.gateway';

type Middleware = (socket: Socket, next: (err?: Error) => void) => void;

const visitorId = 'a0c4e3f2-6f7b-4b55-9d43-2f3e9b7c1a10';

/** The gateway's middlewares, in order, with conversation's presence report played by the test. */
function gateway() {
  const reported: string[] = [];
  let answer: () => void = () => undefined;
  const presence = {
    connecting: () => {
      reported.push('+1');
      return new Promise<void>((resolve) => (answer = resolve));
    },
    disconnected: () => reported.push('-1'),
  } as unknown as VisitorPresenceReporter;
  const tokens = { verifyVisitor: () => ({ visitorId }) } as unknown as TokenService;
  const sut = new VisitorGateway(
    tokens,
    { attachVisitor: () => undefined } as unknown as SocketHub,
    { attach: () => undefined } as unknown as SocketLimits,
    {} as QueuePositions,
    presence,
  );
  const middlewares: Middleware[] = [];
  sut.afterInit({ use: (fn: Middleware) => middlewares.push(fn) } as unknown as Namespace);
  return { reported, middlewares, answer: () => answer() };
}

/** Runs every middleware as socket.io would; resolves with what the last one passed to `next`. */
async function handshake(g: ReturnType<typeof gateway>, socket: Socket, whileWaiting: () => void) {
  for (const use of g.middlewares) {
    const err = await new Promise<Error | undefined>((resolve) => {
      use(socket, resolve);
      whileWaiting();
      g.answer();
    });
    if (err) return err;
  }
  return undefined;
}

const socketOf = () =>
  ({ handshake: { auth: { token: 't' } }, data: {}, conn: { readyState: 'open' } }) as unknown as Socket & {
    conn: { readyState: string };
  };

/** Review 1.1: socket.io drops a socket closed during its handshake without `disconnect`. */
describe(VisitorGateway.name, () => {
  it('lets in a socket still open once conversation knows of it', async () => {
    const g = gateway();
    const socket = socketOf();

    expect(await handshake(g, socket, () => undefined)).toBeUndefined();
    expect(g.reported).toEqual(['+1']);
    expect((socket.data as { present?: boolean }).present).toBe(true);
  });

  it('takes back the +1 and refuses a socket that closed while conversation was asked', async () => {
    const g = gateway();
    const socket = socketOf();

    const err = await handshake(g, socket, () => (socket.conn.readyState = 'closed'));

    expect(err).toMatchObject({ data: { code: 'UNAVAILABLE' } });
    expect(g.reported).toEqual(['+1', '-1']);
    expect((socket.data as { present?: boolean }).present).toBeUndefined();
  });
});
