import { DomainError, OutgoingMessage, RequestEnvelope } from '@pupitre/shared';
import { RequestClient, RequestSink } from './request.client';

class FakeSink implements RequestSink {
  sent: { topic: string; message: OutgoingMessage }[] = [];
  fail = false;
  connect = async () => undefined;
  disconnect = async () => undefined;
  async send(topic: string, messages: OutgoingMessage[]): Promise<void> {
    if (this.fail) throw new Error('broker down');
    for (const message of messages) this.sent.push({ topic, message });
  }
  last(): RequestEnvelope {
    return JSON.parse(this.sent[this.sent.length - 1].message.value) as RequestEnvelope;
  }
}

const flush = () => new Promise((r) => setImmediate(r));

describe(RequestClient.name, () => {
  let sink: FakeSink;
  let sut: RequestClient;

  beforeEach(() => {
    sink = new FakeSink();
    sut = new RequestClient(sink, { GATEWAY_INSTANCE_ID: 'gw-a', REQUEST_TIMEOUT_MS: 1000 });
  });

  afterEach(() => sut.onApplicationShutdown());

  it("sends an envelope to the service's topic, keyed by the aggregate", async () => {
    void sut.request('routing', 'agent.get', { agentId: 'a1' }, { key: 'a1' }).catch(() => undefined);
    await flush();
    expect(sink.sent[0].topic).toBe('routing.requests');
    expect(sink.sent[0].message.key).toBe('a1');
    expect(sink.last()).toMatchObject({ op: 'agent.get', replyKey: 'gw-a', data: { agentId: 'a1' } });
  });

  it('without a key, the request id is the key', async () => {
    void sut.request('billing', 'system.ping', {}).catch(() => undefined);
    await flush();
    expect(sink.sent[0].message.key).toBe(sink.last().requestId);
  });

  it('resolves with the data of the matching reply', async () => {
    const answer = sut.request('conversation', 'system.ping', {});
    await flush();
    sut.onReply({
      requestId: sink.last().requestId,
      replyKey: 'gw-a',
      ok: true,
      data: { service: 'conversation' },
    });
    await expect(answer).resolves.toEqual({ service: 'conversation' });
    expect(sut.waiting).toBe(0);
  });

  it('an error reply is thrown as a DomainError with its code', async () => {
    const answer = sut.request('conversation', 'conversation.view', { conversationId: 'c' });
    await flush();
    sut.onReply({
      requestId: sink.last().requestId,
      replyKey: 'gw-a',
      ok: false,
      error: { code: 'NOT_FOUND', message: 'no such conversation' },
    });
    await expect(answer).rejects.toEqual(new DomainError('NOT_FOUND', 'no such conversation'));
  });

  it('an unknown error code becomes INTERNAL', async () => {
    const answer = sut.request('conversation', 'system.ping', {});
    await flush();
    sut.onReply({
      requestId: sink.last().requestId,
      replyKey: 'gw-a',
      ok: false,
      error: { code: 'WAT', message: 'x' },
    });
    await expect(answer).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('ignores replies meant for another instance, unknown ids and malformed values', async () => {
    const answer = sut.request('routing', 'system.ping', {}, { timeoutMs: 30 });
    await flush();
    const requestId = sink.last().requestId;
    sut.onReply({ requestId, replyKey: 'gw-b', ok: true, data: {} });
    sut.onReply({ requestId: 'other', replyKey: 'gw-a', ok: true, data: {} });
    sut.onReply('not json');
    await expect(answer).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('no reply in time is UNAVAILABLE, and a late reply is ignored', async () => {
    const answer = sut.request('routing', 'system.ping', {}, { timeoutMs: 10 });
    await expect(answer).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(sut.waiting).toBe(0);
    expect(() =>
      sut.onReply({ requestId: sink.last().requestId, replyKey: 'gw-a', ok: true, data: {} }),
    ).not.toThrow();
  });

  it('a request that cannot be sent is UNAVAILABLE at once', async () => {
    sink.fail = true;
    await expect(sut.request('routing', 'system.ping', {})).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('shutting down fails what is still waiting', async () => {
    const answer = sut.request('routing', 'system.ping', {});
    await sut.onApplicationShutdown();
    await expect(answer).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(sut.request('routing', 'system.ping', {})).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(sink.sent).toHaveLength(1);
  });
});
