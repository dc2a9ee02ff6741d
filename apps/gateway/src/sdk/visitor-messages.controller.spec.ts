import { randomUUID } from 'node:crypto';
import type { DeskFeedLag, QueuePositions } from '../fanout';
import type { RequestClient } from '../kafka';
import { VisitorMessagesController } from './visitor-messages.controller';

/** The controller over a conversation that answers `reply`, and what it told the desk feed's lag. */
function controllerAnswering(reply: Record<string, unknown>) {
  const accepted: string[] = [];
  const client = { request: jest.fn().mockResolvedValue(reply) } as unknown as RequestClient;
  const lag = { accepted: (id: string) => accepted.push(id) } as unknown as DeskFeedLag;
  const controller = new VisitorMessagesController(client, {} as QueuePositions, lag);
  return { controller, accepted, client };
}

describe(VisitorMessagesController.name, () => {
  const visitor = { visitorId: randomUUID() } as Parameters<VisitorMessagesController['post']>[0];
  const body = { text: 'hello', clientMessageId: 'c-1' };
  const posted = {
    conversationId: randomUUID(),
    messageId: randomUUID(),
    createdAt: new Date().toISOString(),
  };

  it('a new message: answered as conversation stored it, and the desk feed waits for its event', async () => {
    const { controller, accepted } = controllerAnswering(posted);
    expect(await controller.post(visitor, body, {})).toEqual(posted);
    expect(accepted).toEqual([posted.messageId]);
  });

  it("a client's retry (X-Attempt 2 or more) is asked for as one, to meet the retries' bound", async () => {
    const { controller, client } = controllerAnswering(posted);
    await controller.post(visitor, body, {});
    await controller.post(visitor, body, { 'x-attempt': '2' });
    const options = (client.request as jest.Mock).mock.calls.map((call: unknown[]) => call[3]);
    expect(options).toEqual([
      expect.objectContaining({ key: visitor.visitorId, retry: false }),
      expect.objectContaining({ key: visitor.visitorId, retry: true }),
    ]);
  });

  it('a retry answered with the message stored earlier: the same answer, `replayed` kept inside, nothing to wait for', async () => {
    const { controller, accepted } = controllerAnswering({ ...posted, replayed: true });
    expect(await controller.post(visitor, body, {})).toEqual(posted);
    expect(accepted).toEqual([]);
  });
});
