import type { Deadlines, Message } from '../contracts';

/**
 * R10 while it runs: each visitor message moves `reassignAt` to the message's time plus the response
 * window. Routing publishes the window with the deadlines when R10 starts (an agent has answered and
 * the visitor wrote last), not at every move; whoever shows deadlines (conversation's views, the
 * gateway's desk views) applies the visitor messages it has seen with this rule. The later time wins,
 * so a message already counted, seen twice, or seen before the deadlines themselves changes nothing.
 * Without a window (R9, no R10 running) the deadlines are routing's as they are.
 */
export function movedByVisitorMessage(
  deadlines: Deadlines,
  responseWindowMs: number | undefined,
  visitorMessageAt: string | undefined,
): Deadlines {
  const { reassignAt } = deadlines;
  if (responseWindowMs === undefined || visitorMessageAt === undefined || reassignAt === undefined)
    return deadlines;
  const moved = Date.parse(visitorMessageAt) + responseWindowMs;
  if (!(moved > Date.parse(reassignAt))) return deadlines;
  return { ...deadlines, reassignAt: new Date(moved).toISOString() };
}

/** The latest time of a visitor message among `messages`, if any (the latest, whatever their order). */
export function lastVisitorMessageAt(messages: readonly Message[]): string | undefined {
  let latest: string | undefined;
  let latestMs = -Infinity;
  for (const m of messages) {
    if (m.author.type !== 'visitor') continue;
    const ms = Date.parse(m.createdAt);
    if (ms > latestMs) [latest, latestMs] = [m.createdAt, ms];
  }
  return latest;
}

/** The deadlines with the visitor messages of a view applied (`movedByVisitorMessage`). */
export function withVisitorMessages(
  deadlines: Deadlines,
  responseWindowMs: number | undefined,
  messages: readonly Message[],
): Deadlines {
  if (responseWindowMs === undefined) return deadlines;
  return movedByVisitorMessage(deadlines, responseWindowMs, lastVisitorMessageAt(messages));
}
