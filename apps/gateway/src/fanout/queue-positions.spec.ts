import type { RoutingEventData } from '@pupitre/shared';
import { QueuePositions } from './queue-positions';

const c = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const v = (n: number) => `00000000-0000-4000-9000-${String(n).padStart(12, '0')}`;

const snapshot = (
  version: number,
  queued: number[],
  secondsPerAssignment?: number,
): RoutingEventData<'queue.changed'> => ({
  channel: 'web_chat',
  version,
  queued: queued.map((n) => ({ conversationId: c(n), visitorId: v(n) })),
  ...(secondsPerAssignment === undefined ? {} : { secondsPerAssignment }),
});
const everyone = () => true;

describe(QueuePositions.name, () => {
  it('tells each connected visitor their position when they start waiting, with the estimate', () => {
    const sut = new QueuePositions();
    expect(sut.apply(snapshot(1, [1, 2, 3], 10), everyone)).toEqual([
      { visitorId: v(1), update: { conversationId: c(1), position: 1, estimatedWaitSeconds: 10 } },
      { visitorId: v(2), update: { conversationId: c(2), position: 2, estimatedWaitSeconds: 20 } },
      { visitorId: v(3), update: { conversationId: c(3), position: 3, estimatedWaitSeconds: 30 } },
    ]);
  });

  it('tells again only those whose position changed', () => {
    const sut = new QueuePositions();
    sut.apply(snapshot(1, [1, 2, 3]), everyone);
    expect(sut.apply(snapshot(2, [1, 2, 3, 4]), everyone).map((u) => u.update)).toEqual([
      { conversationId: c(4), position: 4 },
    ]);
    expect(sut.apply(snapshot(3, [2, 3, 4]), everyone).map((u) => [u.visitorId, u.update.position])).toEqual([
      [v(2), 1],
      [v(3), 2],
      [v(4), 3],
    ]);
  });

  it('ignores a snapshot no newer than the one it has', () => {
    const sut = new QueuePositions();
    sut.apply(snapshot(5, [1, 2]), everyone);
    expect(sut.apply(snapshot(4, [2]), everyone)).toEqual([]);
    expect(sut.of('web_chat', c(1))).toEqual({ conversationId: c(1), position: 1 });
  });

  it('computes nothing for visitors with no socket here, and tells them once they connect', () => {
    const sut = new QueuePositions();
    expect(sut.apply(snapshot(1, [1, 2]), (visitorId) => visitorId === v(2))).toHaveLength(1);
    expect(sut.placesOf(v(1))).toEqual([{ conversationId: c(1), position: 1 }]);
    // Now told: the same position is not sent again.
    expect(sut.apply(snapshot(2, [1, 2, 3]), everyone).map((u) => u.visitorId)).toEqual([v(3)]);
  });

  it("answers a conversation's place (GET /v1/visitor/conversations); none once it left the queue", () => {
    const sut = new QueuePositions();
    expect(sut.knows('web_chat')).toBe(false);
    sut.apply(snapshot(1, [1, 2], 7.5), everyone);
    expect(sut.of('web_chat', c(2))).toEqual({ conversationId: c(2), position: 2, estimatedWaitSeconds: 15 });
    sut.apply(snapshot(2, [2], 7.5), everyone);
    expect(sut.of('web_chat', c(1))).toBeUndefined();
    expect(sut.of('mobile_app', c(2))).toBeUndefined();
  });

  it('tells a conversation that comes back to the queue at the same position again', () => {
    const sut = new QueuePositions();
    sut.apply(snapshot(1, [1]), everyone);
    sut.apply(snapshot(2, []), everyone);
    expect(sut.apply(snapshot(3, [1]), everyone)).toHaveLength(1);
  });
});
