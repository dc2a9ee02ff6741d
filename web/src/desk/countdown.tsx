import type { ConversationView } from '../common/contracts';
import { formatRemaining, useNow } from '../common/time';

/** Live countdowns to R9/R10's `reassignAt` and R11's `closeAt`; only this re-renders each second. */
export function Countdowns({ deadlines }: { deadlines: ConversationView['deadlines'] }) {
  const now = useNow();
  const parts: preact.JSX.Element[] = [];
  if (deadlines.reassignAt) {
    const left = Date.parse(deadlines.reassignAt) - now;
    parts.push(
      <span class={`countdown reassign ${left < 60_000 ? 'urgent' : ''}`} data-countdown="reassign">
        Reassigned in <time dateTime={deadlines.reassignAt}>{formatRemaining(left)}</time>
      </span>,
    );
  }
  if (deadlines.closeAt) {
    const left = Date.parse(deadlines.closeAt) - now;
    parts.push(
      <span class="countdown close" data-countdown="close">
        Closes in <time dateTime={deadlines.closeAt}>{formatRemaining(left)}</time>
      </span>,
    );
  }
  return parts.length ? <span class="countdowns">{parts}</span> : null;
}
