import type { DoorHealthAnswer } from '../http';
import { HealthCopy, type HealthCopyHolder } from './health-copy';
import type { HealthPath } from './health-answers';

type Answers = Record<HealthPath, DoorHealthAnswer>;

const answersWith = (ready: boolean): Answers => ({
  '/health/live': { status: 200, json: '{"status":"live"}' },
  '/health/ready': ready ? { status: 200, json: '{"status":"ready"}' } : { status: 503, json: '{}' },
  '/health/ready/self': { status: 200, json: '{"status":"ready"}' },
});

function holder(): HealthCopyHolder & { published: Answers[]; stamps: number[] } {
  const h = {
    published: [] as Answers[],
    stamps: [] as number[],
    publish: (a: Answers) => void h.published.push(a),
    stamp: (now: number) => void h.stamps.push(now),
  };
  return h;
}

describe('HealthCopy', () => {
  let ready = true;
  let copy: HealthCopy;
  beforeEach(() => {
    ready = true;
    copy = new HealthCopy(() => answersWith(ready), 60_000);
  });
  afterEach(() => copy.stop());

  it('sends the answers when they change and stamps every holder at every refresh', () => {
    const door = holder();
    copy.add(door);
    copy.refresh(1000);
    ready = false;
    copy.refresh(1020);
    expect(door.published.map((a) => a['/health/ready'].status)).toEqual([200, 503]);
    expect(door.stamps.slice(1)).toEqual([1000, 1020]);
  });

  it('gives a holder added later the answers at once, not only at their next change', () => {
    const door = holder();
    copy.add(door);
    const probes = holder();
    copy.add(probes);
    expect(probes.published).toHaveLength(1);
    expect(probes.stamps).toHaveLength(1);
  });

  it('neither sends nor stamps once stopped, so the copies go stale', () => {
    const door = holder();
    copy.add(door);
    copy.stop();
    ready = false;
    copy.refresh(5000);
    copy.add(holder());
    expect([door.published.length, door.stamps.length]).toEqual([1, 1]);
  });
});
