import { EventEmitter } from 'node:events';
import type { Consumer } from 'kafkajs';
import { PipelineTrace, pipelineTrace, startPipelineTrace, TraceLine } from './pipeline-trace';

/** What PipelineTrace reads of a kafkajs consumer: its instrumentation events. */
function fakeConsumer() {
  const emitter = new EventEmitter();
  const events = {
    FETCH_START: 'fetch.start',
    FETCH: 'fetch',
    END_BATCH_PROCESS: 'end.batch',
    GROUP_JOIN: 'group.join',
  };
  const consumer = {
    events,
    on: (event: string, listener: (e: unknown) => void) => emitter.on(event, listener),
  } as unknown as Pick<Consumer, 'on' | 'events'>;
  const emit = (event: keyof typeof events, payload: object = {}) => emitter.emit(events[event], { payload });
  return { consumer, emit };
}

const batch = (partition: number, batchSize: number, duration: number, offsetLag: string) => ({
  topic: 't',
  partition,
  batchSize,
  duration,
  offsetLag,
});

describe(PipelineTrace.name, () => {
  /** A trace on a clock the test moves. */
  const traced = () => {
    const clock = { now: 1_000 };
    const sut = new PipelineTrace(
      1000,
      () => undefined,
      () => clock.now,
    );
    return { sut, clock };
  };

  it("tallies a stage's occurrences, items, time and longest time, then starts afresh", () => {
    const { sut } = traced();
    sut.add('produce', 3, 5);
    sut.add('produce', 2, 9);

    expect(sut.line().stages).toEqual({ produce: { n: 2, items: 5, ms: 14, maxMs: 9 } });
    expect(sut.line().stages).toEqual({});
  });

  it("follows a consumer's cycle: the broker's answer, then the apply until the next fetch", () => {
    const { sut, clock } = traced();
    const { consumer, emit } = fakeConsumer();
    sut.watchConsumer('routing', consumer);

    emit('FETCH_START', { nodeId: 1 });
    clock.now += 40;
    emit('FETCH', { nodeId: 1, duration: 40 });
    emit('END_BATCH_PROCESS', batch(0, 7, 12, '3'));
    emit('END_BATCH_PROCESS', batch(1, 2, 4, '0'));
    clock.now += 15;
    emit('FETCH_START', { nodeId: 1 });

    const line: TraceLine = sut.line();
    expect(line.stages).toEqual({
      'routing.fetch': { n: 1, items: 0, ms: 40, maxMs: 40 },
      'routing.batch': { n: 2, items: 9, ms: 16, maxMs: 12 },
      'routing.apply': { n: 1, items: 0, ms: 15, maxMs: 15 },
    });
    expect(line.sampled['routing.lag']).toEqual({ messages: 3 });
  });

  it("times each broker's cycle on its own (kafkajs fetches from each broker in a loop of its own)", () => {
    const { sut, clock } = traced();
    const { consumer, emit } = fakeConsumer();
    sut.watchConsumer('routing', consumer);

    emit('FETCH', { nodeId: 1, duration: 5 });
    clock.now += 10;
    emit('FETCH', { nodeId: 2, duration: 5 });
    clock.now += 30;
    emit('FETCH_START', { nodeId: 1 });
    clock.now += 2;
    emit('FETCH_START', { nodeId: 2 });

    expect(sut.line().stages['routing.apply']).toEqual({ n: 2, items: 0, ms: 72, maxMs: 40 });
  });

  it("counts only the partitions of the consumer's latest assignment in its lag", () => {
    const { sut } = traced();
    const { consumer, emit } = fakeConsumer();
    sut.watchConsumer('routing', consumer);
    emit('END_BATCH_PROCESS', batch(0, 1, 1, '5'));
    emit('GROUP_JOIN');
    emit('END_BATCH_PROCESS', batch(1, 1, 1, '2'));

    expect(sut.line().sampled['routing.lag']).toEqual({ messages: 2 });
  });

  it('reads each sampled value when the line is made', () => {
    const { sut } = traced();
    let waiting = 0;
    sut.sample('pool', () => ({ waiting }));
    waiting = 4;

    expect(sut.line().sampled).toEqual({ pool: { waiting: 4 } });
  });

  describe('once started', () => {
    beforeEach(() => jest.useFakeTimers({ doNotFake: ['performance', 'Date'] }));
    afterEach(() => jest.useRealTimers());

    it('writes a line to its sink every interval, and stops', () => {
      const lines: TraceLine[] = [];
      const sut = new PipelineTrace(1000, (line) => lines.push(line));
      sut.start();
      jest.advanceTimersByTime(2500);
      sut.stop();
      jest.advanceTimersByTime(2000);

      expect(lines).toHaveLength(2);
      expect(lines[1].elu).toBeGreaterThanOrEqual(0);
      expect(lines[1].elu).toBeLessThanOrEqual(1);
    });

    it('skips a line whose sampler throws, and goes on', () => {
      const lines: TraceLine[] = [];
      const sut = new PipelineTrace(1000, (line) => lines.push(line));
      let broken = true;
      sut.sample('pool', () => {
        if (broken) throw new Error('pool gone');
        return { total: 1 };
      });
      sut.start();
      jest.advanceTimersByTime(1000);
      broken = false;
      jest.advanceTimersByTime(1000);
      sut.stop();

      expect(lines.map((l) => l.sampled.pool)).toEqual([{ total: 1 }]);
    });
  });

  it('is off unless started with an interval: no trace to report to, and 0 starts none', () => {
    startPipelineTrace(0);

    expect(pipelineTrace()).toBeNull();
  });
});
