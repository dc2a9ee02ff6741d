import { BatchApplier, BatchSlot, SlotCoalescer } from './batch-scope';

/** Records every applyBatch call; fails the items its test names. */
class RecordingApplier implements BatchApplier<string> {
  readonly calls: string[][] = [];
  constructor(private readonly failOn = new Set<string>()) {}

  async applyBatch(items: string[]): Promise<void> {
    this.calls.push(items);
    await Promise.resolve();
    const bad = items.find((i) => this.failOn.has(i));
    if (bad) throw new Error(`cannot apply ${bad}`);
  }
}

/** A slot whose handler enlisted `item`, and the handler's outcome ('ok' or the error's message). */
function enlisted(applier: BatchApplier<string>, item: string) {
  const slot = new BatchSlot();
  const outcome = slot.enlist(applier, item).then(
    () => 'ok',
    (err: Error) => err.message,
  );
  return { slot, outcome };
}

describe('SlotCoalescer', () => {
  it("applies the runs offered in one turn (one fetch's partitions) in one call, in offer order", async () => {
    const applier = new RecordingApplier();
    const coalescer = new SlotCoalescer();
    const p0 = [enlisted(applier, 'p0-a'), enlisted(applier, 'p0-b')];
    const p1 = [enlisted(applier, 'p1-a')];

    await Promise.all([coalescer.apply(p0.map((e) => e.slot)), coalescer.apply(p1.map((e) => e.slot))]);

    expect(applier.calls).toEqual([['p0-a', 'p0-b', 'p1-a']]);
    expect(await Promise.all([...p0, ...p1].map((e) => e.outcome))).toEqual(['ok', 'ok', 'ok']);
  });

  it('applies runs offered in later turns separately', async () => {
    const applier = new RecordingApplier();
    const coalescer = new SlotCoalescer();

    await coalescer.apply([enlisted(applier, 'first').slot]);
    await coalescer.apply([enlisted(applier, 'second').slot]);

    expect(applier.calls).toEqual([['first'], ['second']]);
  });

  it("fails every slot of a failing applier, from every offer, and none of another applier's", async () => {
    // Two appliers (an inbox and a request processor): each gets its own slots in one call.
    const inbox = new RecordingApplier(new Set(['bad-event']));
    const requests = new RecordingApplier();
    const coalescer = new SlotCoalescer();
    const events = [enlisted(inbox, 'event'), enlisted(inbox, 'bad-event')];
    const asks = [enlisted(requests, 'request')];

    await Promise.all([coalescer.apply([events[0].slot, asks[0].slot]), coalescer.apply([events[1].slot])]);

    expect(inbox.calls).toEqual([['event', 'bad-event']]);
    expect(requests.calls).toEqual([['request']]);
    // The offers resolve; each reads its messages' outcome from their handlers and slots (kafka-server.ts).
    expect(await events[0].outcome).toBe('cannot apply bad-event');
    expect(await events[1].outcome).toBe('cannot apply bad-event');
    expect(await asks[0].outcome).toBe('ok');
    expect([events[0].slot.failed, events[1].slot.failed, asks[0].slot.failed]).toEqual([true, true, false]);
  });

  it("applies two appliers' runs at the same time, not one after the other", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const started: string[] = [];
    const slow: BatchApplier<string> = {
      applyBatch: async (items) => {
        started.push(...items);
        await held;
      },
    };
    const fast: BatchApplier<string> = { applyBatch: async (items) => void started.push(...items) };
    const coalescer = new SlotCoalescer();
    const waiting = enlisted(slow, 'events');
    const quick = enlisted(fast, 'request');

    const applied = coalescer.apply([waiting.slot, quick.slot]);

    expect(await quick.outcome).toBe('ok');
    expect(started).toEqual(['events', 'request']);
    release();
    await applied;
    expect(await waiting.outcome).toBe('ok');
  });

  it('splits more than maxSlots into applications of whole runs, started together', async () => {
    const applier = new RecordingApplier();
    const coalescer = new SlotCoalescer(3);
    const runs = [['a1', 'a2'], ['b1', 'b2'], ['c1'], ['d1', 'd2', 'd3', 'd4']];

    await Promise.all(runs.map((run) => coalescer.apply(run.map((i) => enlisted(applier, i).slot))));

    expect(applier.calls).toEqual([
      ['a1', 'a2'],
      ['b1', 'b2', 'c1'],
      ['d1', 'd2', 'd3', 'd4'],
    ]);
  });

  it('resolves at once when a run enlisted nothing', async () => {
    await expect(new SlotCoalescer().apply([])).resolves.toBeUndefined();
  });
});
