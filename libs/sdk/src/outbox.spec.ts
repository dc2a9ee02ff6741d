import { FakeClock, settle } from '../test/fakes';
import { PupitreError } from './errors';
import { Outbox, type OutboxDeps } from './outbox';
import type { OutboxEntry } from './outbox-entry';
import type { PostedMessage } from './types';

const posted = (n: number): PostedMessage => ({
  conversationId: 'c0000000-0000-4000-8000-000000000000',
  messageId: `m0000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  createdAt: '2026-01-01T00:00:00.000Z',
});
const unavailable = (retryAfterMs?: number) => new PupitreError('UNAVAILABLE', 'busy', 503, retryAfterMs);

function setup(post: OutboxDeps['post'], random = () => 0.5) {
  const clock = new FakeClock();
  const stored: OutboxEntry[][] = [];
  const changes: OutboxEntry[] = [];
  const sut = new Outbox({
    post,
    persist: async (entries) => void stored.push(entries.map((e) => ({ ...e }))),
    onChange: (e) => changes.push(e),
    clock,
    random,
    backoff: { baseMs: 1000, capMs: 8000 },
  });
  sut.start();
  return { sut, clock, stored, changes, lastStored: () => stored[stored.length - 1] };
}

describe(Outbox.name, () => {
  it('keeps an entry pending (and stored) until the server answers, then marks it sent with its ids', async () => {
    let answer!: (p: PostedMessage) => void;
    const { sut, lastStored, changes } = setup(() => new Promise((resolve) => (answer = resolve)));

    const entry = await sut.add('hello', 'cm-1', '2026-01-01T00:00:00.000Z');

    expect(entry.state).toBe('pending');
    expect(lastStored()).toEqual([expect.objectContaining({ clientMessageId: 'cm-1', state: 'pending' })]);
    answer(posted(1));
    await settle();
    expect(changes.map((c) => c.state)).toEqual(['pending', 'sent']);
    expect(changes[1]).toMatchObject({
      messageId: posted(1).messageId,
      conversationId: posted(1).conversationId,
    });
    expect(lastStored()).toEqual([]);
    expect(sut.list()).toEqual([]);
  });

  it('retries a retryable failure under the same clientMessageId, with exponential backoff and full jitter', async () => {
    const calls: { id: string; at: number }[] = [];
    let failures = 3;
    const { sut, clock } = setup(async (e) => {
      calls.push({ id: e.clientMessageId, at: clock.now() });
      if (failures-- > 0) throw new PupitreError('NETWORK_ERROR', 'offline');
      return posted(1);
    });
    const start = clock.now();

    await sut.add('hello', 'cm-1', '');
    await clock.advance(60_000);

    // random() = 0.5 of min(cap 8000, 1000·2^(n-1)): 500, 1000, 2000.
    expect(calls.map((c) => c.at - start)).toEqual([0, 500, 1500, 3500]);
    expect(new Set(calls.map((c) => c.id))).toEqual(new Set(['cm-1']));
    expect(sut.get('cm-1')).toBeUndefined();
  });

  it('stores how many tries failed, so a restart goes on numbering them (the attempt it posts)', async () => {
    const attempts: number[] = [];
    const { sut, lastStored } = setup(async (e) => {
      attempts.push(e.attempt);
      throw unavailable();
    });
    await sut.add('hello', 'cm-1', '');
    await settle();
    expect(attempts).toEqual([1]);
    expect(lastStored()).toEqual([expect.objectContaining({ clientMessageId: 'cm-1', attempts: 1 })]);
  });

  it('caps the wait at backoff.capMs however many tries failed', async () => {
    const at: number[] = [];
    const { sut, clock } = setup(
      async () => {
        at.push(clock.now());
        throw new PupitreError('NETWORK_ERROR', 'offline');
      },
      () => 0.999,
    );
    await sut.add('hello', 'cm-1', '');
    await clock.advance(100_000);
    const waits = at.slice(1).map((t, i) => t - at[i]);
    expect(Math.max(...waits)).toBeLessThanOrEqual(8000);
    expect(waits.slice(-3)).toEqual([7992, 7992, 7992]);
  });

  it("never retries sooner than the server's Retry-After", async () => {
    const at: number[] = [];
    const { sut, clock } = setup(
      async () => {
        at.push(clock.now());
        if (at.length === 1) throw unavailable(5000);
        return posted(1);
      },
      () => 0,
    );
    await sut.add('hello', 'cm-1', '');
    await clock.advance(4999);
    expect(at).toHaveLength(1);
    await clock.advance(1);
    expect(at).toHaveLength(2);
  });

  it.each([
    ['VALIDATION_FAILED', 400],
    ['VISITOR_BLOCKED', 403],
    ['PAYLOAD_TOO_LARGE', 413],
  ] as const)('fails an entry refused with %s (%i) and sends the next one', async (code, status) => {
    const sent: string[] = [];
    const { sut, changes } = setup(async (e) => {
      sent.push(e.clientMessageId);
      if (e.clientMessageId === 'cm-1') throw new PupitreError(code, 'no', status);
      return posted(2);
    });
    await sut.add('bad', 'cm-1', '');
    await sut.add('good', 'cm-2', '');
    await settle();

    expect(sent).toEqual(['cm-1', 'cm-2']);
    expect(sut.get('cm-1')).toMatchObject({ state: 'failed', error: { code } });
    expect(changes.filter((c) => c.state !== 'pending').map((c) => [c.clientMessageId, c.state])).toEqual([
      ['cm-1', 'failed'],
      ['cm-2', 'sent'],
    ]);
  });

  it.each([408, 429, 500, 503])('retries a %i', async (status) => {
    let tries = 0;
    const { sut, clock } = setup(async () => {
      if (++tries === 1) throw new PupitreError('UNAVAILABLE', 'x', status);
      return posted(1);
    });
    await sut.add('hello', 'cm-1', '');
    await clock.advance(10_000);
    expect(tries).toBe(2);
  });

  it('sends one message at a time, in the order added, the next only after the previous is answered', async () => {
    const answers: (() => void)[] = [];
    const sent: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const { sut, clock } = setup(
      (e) =>
        new Promise((resolve, reject) => {
          sent.push(e.clientMessageId);
          maxInFlight = Math.max(maxInFlight, ++inFlight);
          // The second message fails once: the third must still wait for it.
          const fail = e.clientMessageId === 'cm-2' && sent.filter((s) => s === 'cm-2').length === 1;
          answers.push(() => {
            inFlight--;
            if (fail) reject(new PupitreError('NETWORK_ERROR', 'lost'));
            else resolve(posted(sent.length));
          });
        }),
    );
    for (const id of ['cm-1', 'cm-2', 'cm-3']) await sut.add(id, id, '');
    while (answers.length > 0 || sut.list().length > 0) {
      answers.shift()?.();
      await clock.advance(10_000);
    }
    expect(sent).toEqual(['cm-1', 'cm-2', 'cm-2', 'cm-3']);
    expect(maxInFlight).toBe(1);
  });

  it('sends again, under the same clientMessageId, what a previous run left pending', async () => {
    const sent: string[] = [];
    const { sut } = setup(async (e) => {
      sent.push(e.clientMessageId);
      return posted(1);
    });
    sut.stop();
    sut.restore([
      { clientMessageId: 'old-1', text: 'a', state: 'pending', queuedAt: '', attempts: 2 },
      {
        clientMessageId: 'old-2',
        text: 'b',
        state: 'failed',
        queuedAt: '',
        attempts: 1,
        error: { code: 'VALIDATION_FAILED', message: '' },
      },
      { clientMessageId: 'old-3', text: 'c', state: 'pending', queuedAt: '', attempts: 0 },
    ]);
    sut.start();
    await settle();
    expect(sent).toEqual(['old-1', 'old-3']);
    expect(sut.list().map((e) => e.clientMessageId)).toEqual(['old-2']);
  });

  it('tries at once when woken (the network is back) instead of waiting out the backoff', async () => {
    let tries = 0;
    const { sut, clock } = setup(async () => {
      if (++tries === 1) throw new PupitreError('NETWORK_ERROR', 'offline');
      return posted(1);
    });
    await sut.add('hello', 'cm-1', '');
    await settle();
    expect(tries).toBe(1);
    expect(clock.nextAt()).toBeGreaterThan(clock.now());
    sut.wake();
    await settle();
    expect(tries).toBe(2);
    expect(sut.list()).toEqual([]);
  });

  it('resolves settled() with the outcome', async () => {
    const { sut } = setup(async () => {
      throw new PupitreError('VISITOR_BLOCKED', 'blocked', 403);
    });
    const entry = await sut.add('hello', 'cm-1', '');
    await expect(sut.settled(entry.clientMessageId)).resolves.toMatchObject({
      state: 'failed',
      error: { code: 'VISITOR_BLOCKED' },
    });
  });

  it('puts a failed entry back at the end of the queue on retry(), and forgets it on discard()', async () => {
    const sent: string[] = [];
    let refuse = true;
    const { sut } = setup(async (e) => {
      sent.push(e.clientMessageId);
      if (refuse) throw new PupitreError('FORBIDDEN', 'no', 403);
      return posted(1);
    });
    await sut.add('a', 'cm-1', '');
    await sut.add('b', 'cm-2', '');
    await settle();
    refuse = false;
    await sut.retry('cm-1');
    await settle();
    expect(sent).toEqual(['cm-1', 'cm-2', 'cm-1']);
    expect(sut.list().map((e) => [e.clientMessageId, e.state])).toEqual([['cm-2', 'failed']]);
    await sut.discard('cm-2');
    expect(sut.list()).toEqual([]);
  });

  it('does not accept (nor ever send) a message it could not store', async () => {
    const sent: string[] = [];
    const clock = new FakeClock();
    const sut = new Outbox({
      post: async (e) => {
        sent.push(e.clientMessageId);
        return posted(1);
      },
      persist: async () => {
        throw new Error('quota exceeded');
      },
      onChange: () => undefined,
      clock,
      random: () => 0,
    });
    sut.start();
    await expect(sut.add('a', 'cm-1', '')).rejects.toThrow('quota exceeded');
    await settle();
    expect(sent).toEqual([]);
    expect(sut.list()).toEqual([]);
  });
});
