import { Inject, Injectable } from '@nestjs/common';
import { CachedCheck, CHANNELS, ServiceMetrics } from '@pupitre/shared';
import type { RoutingConfig } from '../config/env.validation';
import { ROUTING_CONFIG } from '../config/routing.config';
import { RoutingFigures, RoutingMetricsRepository } from './routing-metrics.repository';

/** Read at most this often, whatever the scrape rate. */
const FIGURES_CACHE_MS = 2000;

/**
 * Routing's gauges: queue length, slots in use and slots offered by available agents, per channel;
 * deadlines past due and not yet swept (R9/R10 reassignments, R11 closes), and how long the oldest of
 * each has waited; conversations marked for
 * their deadlines to be published (an upgrade marks them; the sweep publishes them). Assignments are counted as
 * they are published: `pupitre_events_published_total{type="conversation.assigned"}`.
 */
@Injectable()
export class RoutingMetrics {
  constructor(
    metrics: ServiceMetrics,
    repository: RoutingMetricsRepository,
    @Inject(ROUTING_CONFIG) config: RoutingConfig,
  ) {
    const figures = new CachedCheck<RoutingFigures | null>(
      () => repository.figures(config.MOBILE_SLOTS),
      () => null,
      FIGURES_CACHE_MS,
      2000,
    );
    const perChannel = (name: string, help: string, pick: (f: RoutingFigures) => Record<string, number>) =>
      metrics.gauge(name, help, ['channel'], async (set) => {
        const f = await figures.get();
        if (f) for (const channel of CHANNELS) set({ channel }, pick(f)[channel]);
      });
    perChannel(
      'pupitre_routing_queue_length',
      'Conversations waiting for an agent, per channel',
      (f) => f.queued,
    );
    perChannel(
      'pupitre_routing_slots_in_use',
      'Conversations held by agents, per channel (slot kind)',
      (f) => f.assigned,
    );
    perChannel(
      'pupitre_routing_slots_capacity',
      'Slots of the agents connected and not away, per channel (in use or free)',
      (f) => f.capacity,
    );
    const perDeadline = (
      name: string,
      help: string,
      pick: (f: RoutingFigures) => Record<'reassign' | 'close', number>,
    ) =>
      metrics.gauge(name, help, ['deadline'], async (set) => {
        const f = await figures.get();
        if (f) for (const deadline of ['reassign', 'close'] as const) set({ deadline }, pick(f)[deadline]);
      });
    perDeadline(
      'pupitre_routing_deadlines_due',
      'Deadlines past due and not yet acted on (reassign: R9/R10, close: R11); the sweep keeps this near 0',
      (f) => f.due,
    );
    perDeadline(
      'pupitre_routing_deadlines_overdue_seconds',
      'How long the oldest deadline past due has waited to be acted on (reassign: R9/R10, close: R11), 0 when none; the sweep keeps this under a second',
      (f) => f.overdue,
    );
    metrics.gauge(
      'pupitre_routing_deadlines_unpublished',
      'Conversations marked for their deadlines to be published (an upgrade marks them); each sweep publishes them, so this stays at 0',
      [],
      async (set) => {
        const f = await figures.get();
        if (f) set({}, f.unpublished);
      },
    );
  }
}
