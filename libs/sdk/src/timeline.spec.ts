import { message } from '../test/fakes';
import { Timeline } from './timeline';
import type { Message } from './types';

function setup() {
  const shown: Message[] = [];
  const cursors: Record<string, string>[] = [];
  const sut = new Timeline(
    (m) => shown.push(m),
    (c) => cursors.push(c),
  );
  return { sut, shown, cursors, texts: () => shown.map((m) => m.text) };
}

describe(Timeline.name, () => {
  const c1 = 'c1000000-0000-4000-8000-000000000000';
  const c2 = 'c2000000-0000-4000-8000-000000000000';

  it('shows each message once, however often it is heard', () => {
    const { sut, texts } = setup();
    const [a, b] = [message(c1, 'a'), message(c1, 'b')];
    sut.live(a);
    sut.live(a);
    sut.live(b);
    sut.beginSync();
    sut.fromHistory([a, b]);
    sut.endSync();
    expect(texts()).toEqual(['a', 'b']);
  });

  it('holds live messages during a resync and lets them through after the history, in order, without doubles', () => {
    const { sut, texts } = setup();
    const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map((t) => message(c1, t));
    sut.live(a);
    // Reconnected: b and c were missed; d and e arrive live while the history is read (d also in it).
    sut.beginSync();
    sut.live(d);
    sut.live(e);
    expect(texts()).toEqual(['a']);
    sut.fromHistory([b, c, d]);
    sut.endSync();
    expect(texts()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('keeps a close (or any action) in its place among the held messages', () => {
    const { sut, shown } = setup();
    const order: string[] = [];
    const a = message(c1, 'a');
    sut.beginSync();
    sut.live(a);
    sut.after(() => order.push(`closed after ${shown.length} message(s)`));
    sut.endSync();
    expect(order).toEqual(['closed after 1 message(s)']);
    sut.after(() => order.push('now'));
    expect(order).toHaveLength(2);
  });

  it('moves the cursor of each conversation to the last message shown, and forgets a closed one', () => {
    const { sut, cursors } = setup();
    const [a, b, x] = [message(c1, 'a'), message(c1, 'b'), message(c2, 'x')];
    sut.restoreCursors({ [c2]: 'older' });
    sut.live(a);
    sut.live(b);
    sut.live(x);
    expect(sut.cursor(c1)).toBe(b.id);
    expect(cursors[cursors.length - 1]).toEqual({ [c1]: b.id, [c2]: x.id });
    sut.forget(c2);
    expect(sut.cursor(c2)).toBeUndefined();
    expect(cursors[cursors.length - 1]).toEqual({ [c1]: b.id });
  });
});
