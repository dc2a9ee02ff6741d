import { waitFor } from '@pupitre/shared/testing';
import { createClient, memoryStorage, type PupitreClient, type QueueUpdate } from '../../libs/sdk/src';
import { factory } from '../e2e/support/factories';
import { startSystem, type System } from '../e2e/support/system';

/** @pupitre/sdk on the v1.1 additions: the queue position (`queue` event) and the push token. */
describe('@pupitre/sdk, queue and push token (e2e)', () => {
  let sut: System;
  const clients: PupitreClient[] = [];

  beforeAll(async () => {
    sut = await startSystem();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.stop()));
    await sut.reset();
  });
  afterAll(() => sut?.stop());

  const client = () => {
    const sdk = createClient({
      baseUrl: sut.url,
      channel: 'web_chat',
      platform: 'web',
      storage: memoryStorage(),
    });
    clients.push(sdk);
    const queue: QueueUpdate[] = [];
    sdk.on('queue', (q) => queue.push(q));
    return { sdk, queue, position: () => queue[queue.length - 1]?.position };
  };

  it('tells three visitors waiting for one full agent their places 1, 2, 3, and each moves up when one is assigned', async () => {
    const { desk } = await sut.agentAtDesk(factory.agent({ chatCapacity: 1 }));
    const first = await sut.visitor('web_chat');
    const taken = await first.say('I take the only slot');
    await desk.assigned(taken.conversationId);

    const waiting = [client(), client(), client()];
    for (const [i, w] of waiting.entries()) {
      await w.sdk.start();
      await waitFor(() => w.sdk.connectionState === 'connected', { what: `visitor ${i + 1} connected` });
      const entry = await w.sdk.send(`waiting ${i + 1}`);
      await w.sdk.settled(entry.clientMessageId);
    }
    await waitFor(() => waiting.every((w, i) => w.position() === i + 1), {
      what: 'places 1, 2, 3',
    });
    const listed = await waiting[2].sdk.conversations();
    expect(listed[0]).toMatchObject({ status: 'queued', queuePosition: 3 });

    expect((await desk.ask('conversation.close', { conversationId: taken.conversationId })).ok).toBe(true);
    await waitFor(() => waiting[1].position() === 1 && waiting[2].position() === 2, {
      what: 'visitors 2 and 3 moving up to 1 and 2',
    });
    expect(waiting[1].queue.map((q) => q.position)).toEqual([2, 1]);
    expect(waiting[2].queue.map((q) => q.position)).toEqual([3, 2]);
  });

  it('registers, replaces and removes the push token; a bad one is refused with its code', async () => {
    const { sdk } = client();
    await sdk.start();
    await sdk.registerPushToken({ platform: 'web', token: 'web-push-subscription-1' });
    await sdk.registerPushToken({ platform: 'web', token: 'web-push-subscription-2' });
    await sdk.removePushToken();
    await expect(sdk.registerPushToken({ platform: 'web', token: '' })).rejects.toMatchObject({
      name: 'PupitreError',
      code: 'VALIDATION_FAILED',
      status: 400,
    });
  });
});
