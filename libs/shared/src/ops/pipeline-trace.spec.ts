import { EventEmitter } from 'node:events';
import type { Consumer } from 'kafkajs';
import { PipelineTrace, TraceLine } from './pipeline-trace';

/** What PipelineTrace reads of a kafkajs consumer: its instrumentation events. */
function fakeConsumer() {
  const emitter = new EventEmitter();
  const events = { FETCH_START: 'fetch.start', FETCH: 'fetch', END_BATCH_PROCESS: 'end.batch' };
  const consumer = {
    events,
    on: (event: string, listener: (e: unknown) => void) => emitter.on(event, listener),
  } as unknown as Pick<Consumer, 'on' | 'events'>;
  const emit = (event: keyof typeof events, payload: object) => emitter.emit(events[event], { payload });
  return { consumer, emit };
}

describe(PipelineTrace.name, () => {
  let now = 1_000;
  beforeEach(() => jest.spyOn(Date, 'now').mockImplementation(() => now));
  afterEach(() => jest.restoreAllMocks());

  it("tallies a stage's occurrences, items, time and longest time, then starts afresh", () => {
    const sut = new PipelineTrace(1000);
    sut.add('produce', 3, 5);
    sut.add('produce', 2, 9);

    expect(sut.line().stages).toEqual({ produce: { n: 2, items: 5, ms: 14, maxMs: 9 } });
    expect(sut.line().stages).toEqual({});
  });

  it("follows a consumer's cycle: the broker's answer, then the apply until the next fetch", () => {
    const sut = new PipelineTrace(1000);
    const { consumer, emit } = fakeConsumer();
    sut.watchConsumer('routing', consumer);

    emit('FETCH_START', {});
    now += 40;
    emit('FETCH', { duration: 40 });
    emit('END_BATCH_PROCESS', { topic: 't', partition: 0, batchSize: 7, duration: 12, offsetLag: '3' });
    emit('END_BATCH_PROCESS', { topic: 't', partition: 1, batchSize: 2, duration: 4, offsetLag: '0' });
    now += 15;
    emit('FETCH_START', {});

    const line: TraceLine = sut.line();
    expect(line.stages).toEqual({
      'routing.fetch': { n: 1, items: 0, ms: 40, maxMs: 40 },
      'routing.batch': { n: 2, items: 9, ms: 16, maxMs: 12 },
      'routing.apply': { n: 1, items: 0, ms: 15, maxMs: 15 },
    });
    expect(line.sampled['routing.lag']).toEqual({ messages: 3 });
  });

  it('reads each sampled value when the line is made', () => {
    const sut = new PipelineTrace(1000);
    let waiting = 0;
    sut.sample('pool', () => ({ waiting }));
    waiting = 4;

    expect(sut.line().sampled).toEqual({ pool: { waiting: 4 } });
  });

  it('writes a line to its sink every interval once started, and stops', () => {
    jest.useFakeTimers({ doNotFake: ['performance', 'Date'] });
    const lines: TraceLine[] = [];
    const sut = new PipelineTrace(1000, (line) => lines.push(line));
    sut.start();
    jest.advanceTimersByTime(2500);
    sut.stop();
    jest.advanceTimersByTime(2000);
    jest.useRealTimers();

    expect(lines).toHaveLength(2);
    expect(lines[0].elu).toBeGreaterThanOrEqual(0);
  });
});
