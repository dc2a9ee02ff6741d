import { recordAssignments, secondsPerAssignment, WAIT_ESTIMATE } from './wait-estimate';

const t0 = Date.parse('2026-11-30T08:00:00.000Z');
const at = (s: number) => new Date(t0 + s * 1000);

describe(secondsPerAssignment.name, () => {
  it('is the mean gap between recent assignments, the one still open included', () => {
    expect(secondsPerAssignment([at(0), at(10), at(20), at(30)], at(30))).toBe(10);
    expect(secondsPerAssignment([at(0), at(10), at(20), at(30)], at(33))).toBe(11);
  });

  it('a long stall shows at once: half the time since the latest assignment, once that is more', () => {
    expect(secondsPerAssignment([at(0), at(10), at(20)], at(80))).toBe(40);
  });

  it('is unknown with fewer than two assignments', () => {
    expect(secondsPerAssignment([], at(0))).toBeUndefined();
    expect(secondsPerAssignment([at(0)], at(5))).toBeUndefined();
  });

  it('ignores assignments older than the window, and any after now', () => {
    const window = WAIT_ESTIMATE.windowMs / 1000;
    expect(secondsPerAssignment([at(0), at(window + 10), at(window + 20)], at(window + 20))).toBe(10);
    expect(secondsPerAssignment([at(0), at(window + 10)], at(window + 11))).toBeUndefined();
    expect(secondsPerAssignment([at(0), at(4), at(100)], at(4))).toBe(4);
  });

  it('takes a burst (an agent connecting takes three at once) as short gaps, smoothed by the older ones', () => {
    expect(secondsPerAssignment([at(0), at(30), at(60), at(60), at(60)], at(60))).toBe(15);
  });
});

describe(recordAssignments.name, () => {
  it('keeps the latest samples, oldest first', () => {
    const recent = Array.from({ length: WAIT_ESTIMATE.samples }, (_, i) => at(i));
    const kept = recordAssignments(recent, [at(100), at(101)]);
    expect(kept).toHaveLength(WAIT_ESTIMATE.samples);
    expect(kept[0]).toEqual(at(2));
    expect(kept[kept.length - 1]).toEqual(at(101));
  });
});
