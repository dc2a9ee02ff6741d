import type { Message } from '../contracts';
import { lastVisitorMessageAt, movedByVisitorMessage, withVisitorMessages } from './response-window';

const HOUR = 3_600_000;
const at = (iso: string) => new Date(iso).toISOString();
const message = (type: 'visitor' | 'agent', createdAt: string): Message => ({
  id: '00000000-0000-4000-8000-000000000001',
  conversationId: '00000000-0000-4000-8000-000000000002',
  author: { type, id: '00000000-0000-4000-8000-000000000003' },
  text: 'hi',
  createdAt: at(createdAt),
});

describe(movedByVisitorMessage.name, () => {
  const running = { reassignAt: at('2026-12-05T22:00:00Z') }; // R10 from 10:00, 12 h

  it('moves R10 to the message time plus the window', () => {
    expect(movedByVisitorMessage(running, 12 * HOUR, at('2026-12-05T10:30:00Z'))).toEqual({
      reassignAt: at('2026-12-05T22:30:00Z'),
    });
  });

  it('never moves it earlier: a message already counted, or seen again, changes nothing', () => {
    expect(movedByVisitorMessage(running, 12 * HOUR, at('2026-12-05T10:00:00Z'))).toBe(running);
    expect(movedByVisitorMessage(running, 12 * HOUR, at('2026-12-05T09:00:00Z'))).toBe(running);
  });

  it('leaves deadlines without a window as routing published them (R9, or R10 not running)', () => {
    const r9 = { reassignAt: at('2026-12-05T10:05:00Z') };
    expect(movedByVisitorMessage(r9, undefined, at('2026-12-05T10:04:00Z'))).toBe(r9);
    const r11 = { closeAt: at('2026-12-12T10:00:00Z') };
    expect(movedByVisitorMessage(r11, 12 * HOUR, at('2026-12-05T10:04:00Z'))).toBe(r11);
  });

  it('keeps the close date', () => {
    const both = { ...running, closeAt: at('2026-12-12T10:00:00Z') };
    expect(movedByVisitorMessage(both, 12 * HOUR, at('2026-12-05T11:00:00Z')).closeAt).toBe(both.closeAt);
  });
});

describe(withVisitorMessages.name, () => {
  it("applies the latest visitor message of the view, not an agent's after it", () => {
    const messages = [
      message('visitor', '2026-12-05T10:10:00Z'),
      message('visitor', '2026-12-05T10:20:00Z'),
      message('agent', '2026-12-05T10:25:00Z'),
    ];
    expect(lastVisitorMessageAt(messages)).toBe(at('2026-12-05T10:20:00Z'));
    expect(withVisitorMessages({ reassignAt: at('2026-12-05T22:00:00Z') }, 12 * HOUR, messages)).toEqual({
      reassignAt: at('2026-12-05T22:20:00Z'),
    });
  });

  it("takes the latest visitor message's time, should times not follow the list's order", () => {
    const messages = [message('visitor', '2026-12-05T10:20:00Z'), message('visitor', '2026-12-05T10:10:00Z')];
    expect(lastVisitorMessageAt(messages)).toBe(at('2026-12-05T10:20:00Z'));
  });

  it('changes nothing without a visitor message', () => {
    const d = { reassignAt: at('2026-12-05T22:00:00Z') };
    expect(withVisitorMessages(d, 12 * HOUR, [message('agent', '2026-12-05T10:25:00Z')])).toBe(d);
    expect(lastVisitorMessageAt([])).toBeUndefined();
  });
});
