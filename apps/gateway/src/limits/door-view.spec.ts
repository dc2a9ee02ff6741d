import { doorView, type DoorSources } from './door-view';

function sources({
  inFlight = 0,
  bound = 256,
  retryAfter = 4,
  feed = null as number | null,
} = {}): DoorSources {
  return {
    client: {
      inFlightTo: () => inFlight,
      boundFor: (_service, retry) => (retry ? Math.floor(bound / 16) : bound),
      retryAfterSeconds: () => retryAfter,
    },
    feedLag: { retryAfterSeconds: () => feed },
  };
}

describe(doorView.name, () => {
  it('open under the bound with the feed in time: the bounds (a retry’s too) and the service’s Retry-After', () => {
    expect(doorView(sources({ inFlight: 15 }))).toEqual({
      shut: false,
      reason: 'overloaded',
      bound: 256,
      retryBound: 16,
      retriesShut: false,
      retryAfterSeconds: 4,
    });
  });

  it('shut at the bound, for conversation, whatever the feed (as the main thread’s door decides first)', () => {
    expect(doorView(sources({ inFlight: 256, feed: 3 }))).toEqual({
      shut: true,
      reason: 'overloaded',
      bound: 256,
      retryBound: 16,
      retriesShut: true,
      retryAfterSeconds: 4,
    });
  });

  it('shut for retries only once all that waits for conversation is at their bound, the door open to first tries', () => {
    expect(doorView(sources({ inFlight: 16 }))).toMatchObject({
      shut: false,
      retriesShut: true,
      retryBound: 16,
    });
  });

  it('shut while the desk feed is behind, with its Retry-After', () => {
    expect(doorView(sources({ inFlight: 10, feed: 3 }))).toEqual({
      shut: true,
      reason: 'desks-behind',
      bound: 256,
      retryBound: 16,
      retriesShut: false,
      retryAfterSeconds: 3,
    });
  });
});
