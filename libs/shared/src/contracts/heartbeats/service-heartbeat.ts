import { z } from '../zod';
import { dateTimeSchema } from '../date-time';

/**
 * `service.heartbeats`: each service instance says "I am up and my consumer has joined its group"
 * every HEARTBEAT_INTERVAL_MS, straight through its producer (not the outbox, so it never waits
 * behind work). Keyed by service name. Consumed by every gateway instance for `GET /health/ready`,
 * which answers from the age of the last heartbeat of each service without a Kafka round trip.
 */
export const SERVICE_HEARTBEATS = 'service.heartbeats';

/** How often a service publishes its heartbeat. */
export const HEARTBEAT_INTERVAL_MS = 1000;

export const serviceHeartbeatSchema = z.object({
  service: z.string().min(1).describe('conversation | routing | billing'),
  instance: z.string().min(1).describe('The publishing process (host and pid)'),
  sentAt: dateTimeSchema().describe("The service's clock when it published"),
  intervalMs: z.number().int().positive().describe('The next one is due this long after'),
});

export type ServiceHeartbeat = z.infer<typeof serviceHeartbeatSchema>;
