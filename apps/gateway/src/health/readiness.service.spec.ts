import { ServiceMetrics } from '@pupitre/shared';
import type { ConsumerStatus, ReplyPathProbe } from '../kafka';
import { ReadinessService } from './readiness.service';

describe(ReadinessService.name, () => {
  const now = 1_000_000;
  let consuming: boolean;
  let replyAge: number | null;

  const sut = () =>
    new ReadinessService(
      { isConsuming: () => consuming } as ConsumerStatus,
      { READINESS_MAX_HEARTBEAT_AGE_MS: 5000 },
      { ageMs: () => replyAge } as ReplyPathProbe,
      new ServiceMetrics('gateway'),
    );

  beforeEach(() => {
    consuming = true;
    replyAge = 800;
  });

  describe('checkSelf: this gateway alone (a load balancer)', () => {
    it('is ready with its consumer in its group and a recent round trip, whatever the services do', () => {
      const s = sut();
      expect(s.check(now).ready).toBe(false); // no service heartbeat at all
      expect(s.checkSelf({ live: true }, now)).toEqual({
        ready: true,
        checks: { consumer: 'up', replyPath: 'up' },
        reasons: [],
      });
    });

    it('is not ready when its reply path is quiet (broker unreachable, producer or consumer stuck)', () => {
      replyAge = 6000;
      expect(sut().checkSelf({ live: true }, now)).toEqual({
        ready: false,
        checks: { consumer: 'up', replyPath: 'down' },
        reasons: ['reply path: last round trip through the broker 6 s ago'],
      });
      replyAge = null;
      expect(sut().checkSelf({ live: true }, now).reasons).toEqual([
        'reply path: no reply through the broker yet',
      ]);
    });

    it('is not ready when its consumer is out of its group or dead', () => {
      consuming = false;
      expect(sut().checkSelf({ live: true }, now)).toMatchObject({
        ready: false,
        checks: { consumer: 'down', replyPath: 'up' },
      });
      consuming = true;
      expect(sut().checkSelf({ live: false, reason: 'consumer stopped' }, now).reasons).toEqual([
        'consumer: consumer stopped',
      ]);
    });
  });
});
