import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Gives the event loop back between messages of a long batch. A batch's handlers run on resolved
 * promises, which never let I/O in: a fetch of a thousand replies or desk events held the gateway for
 * tens of milliseconds, and every HTTP request arriving meanwhile — a refusal under overload too —
 * waited behind it. After `everyMs` of work the next message waits one turn of the loop.
 */
export class EventLoopTurns {
  private since = performance.now();

  constructor(private readonly everyMs = 5) {}

  async take(): Promise<void> {
    if (performance.now() - this.since < this.everyMs) return;
    await nextTurn();
    this.since = performance.now();
  }
}
