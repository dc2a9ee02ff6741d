import type net from 'node:net';

/**
 * `socket`, with what it receives delayed by `delay` ms, in order (timers of one delay fire in the
 * order they were set): a peer a round trip away, for benchmarks (slow-broker.ts, slow-postgres.ts).
 */
export function delayIncoming<S extends net.Socket>(socket: S, delay: number): S {
  if (delay <= 0) return socket;
  const emit = socket.emit.bind(socket);
  socket.emit = ((event: string, ...args: unknown[]) => {
    if (event !== 'data') return emit(event, ...args);
    setTimeout(() => emit(event, ...args), delay);
    return true;
  }) as typeof socket.emit;
  return socket;
}
