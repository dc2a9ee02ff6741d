import { EventLoopTurns } from './event-loop-turns';

describe('EventLoopTurns', () => {
  const busyFor = (ms: number) => {
    const end = performance.now() + ms;
    while (performance.now() < end);
  };

  it('lets I/O and timers in once the work since the last turn passes its budget', async () => {
    const turns = new EventLoopTurns(5);
    let ran = false;
    setImmediate(() => (ran = true));
    busyFor(6);
    await turns.take();
    expect(ran).toBe(true);
  });

  it('costs nothing under its budget: the work goes on in the same turn', async () => {
    const turns = new EventLoopTurns(1_000);
    let ran = false;
    setImmediate(() => (ran = true));
    await turns.take();
    expect(ran).toBe(false);
  });
});
