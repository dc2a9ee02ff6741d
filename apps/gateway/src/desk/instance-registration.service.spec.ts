import type { SocketHub } from '../fanout';
import type { ConsumerStatus, RequestClient } from '../kafka';
import { InstanceRegistration } from './instance-registration.service';

const config = { GATEWAY_INSTANCE_ID: 'gw-1', REQUEST_TIMEOUT_MS: 5000, DESK_INSTANCE_HEARTBEAT_MS: 5000 };

function sutWith(known: boolean) {
  const sent: { op: string; data: unknown; options: unknown }[] = [];
  const client = {
    request: async (_s: string, op: string, data: unknown, options: unknown) => {
      sent.push({ op, data, options });
      return { known };
    },
  } as unknown as RequestClient;
  const disconnectSockets = jest.fn();
  const hub = { desk: { disconnectSockets } } as unknown as SocketHub;
  const sut = new InstanceRegistration(client, {} as ConsumerStatus, hub, config);
  return { sut, sent, disconnectSockets };
}

/** Issue 8, "Ghost desks": routing drops the desks of a gateway instance silent too long. */
describe(InstanceRegistration.name, () => {
  it('tells routing this instance is alive, with a deadline of a few beats', async () => {
    const { sut, sent, disconnectSockets } = sutWith(true);

    await sut.beat();

    expect(sent).toEqual([
      {
        op: 'desk.instance-alive',
        data: { gatewayInstance: 'gw-1' },
        options: { key: 'gw-1', timeoutMs: 15_000 },
      },
    ]);
    expect(disconnectSockets).not.toHaveBeenCalled();
  });

  it('ends its desk sockets when routing had dropped them, so that they connect again', async () => {
    const { sut, disconnectSockets } = sutWith(false);

    await sut.beat();

    expect(disconnectSockets).toHaveBeenCalledWith(true);
  });
});
