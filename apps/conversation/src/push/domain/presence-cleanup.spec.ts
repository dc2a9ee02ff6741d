import { GATEWAY_PRESENCE_TTL_MS } from './push-notification';
import { GONE_INSTANCE_KEEP_MS, IDLE_PRESENCE_KEEP_MS, presenceCleanupCutoffs } from './presence-cleanup';

describe('presenceCleanupCutoffs', () => {
  const now = new Date('2026-11-30T12:00:00Z');
  const ago = (ms: number) => new Date(now.getTime() - ms);

  it('idle rows after IDLE_PRESENCE_KEEP_MS, instances after GONE_INSTANCE_KEEP_MS, far past the liveness', () => {
    expect(GONE_INSTANCE_KEEP_MS).toBeGreaterThan(10 * GATEWAY_PRESENCE_TTL_MS);
    expect(presenceCleanupCutoffs(now, ago(GONE_INSTANCE_KEEP_MS))).toEqual({
      idleBefore: ago(IDLE_PRESENCE_KEEP_MS),
      goneBefore: ago(GONE_INSTANCE_KEEP_MS),
    });
  });

  it('no instance goes before this process has run for GONE_INSTANCE_KEEP_MS', () => {
    expect(presenceCleanupCutoffs(now, ago(GONE_INSTANCE_KEEP_MS - 1)).goneBefore).toBeNull();
  });
});
