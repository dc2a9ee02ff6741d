import { memo } from 'preact/compat';
import { useSlice } from '../common/store';
import { Countdowns } from './countdown';
import type { DeskClient } from './desk-client';
import { ChannelIcon } from './icons';

/**
 * The list (the statebox). The list itself renders only when the set or order of conversations
 * changes; each row watches its own conversation, so a new message redraws one row.
 */
export function ConversationList({ client }: { client: DeskClient }) {
  const order = useSlice(client.store, (m) => m.order);
  const onKeyDown = (e: KeyboardEvent) => {
    const keys = ['ArrowDown', 'ArrowUp', 'Home', 'End'];
    if (!keys.includes(e.key) || e.altKey || e.ctrlKey || e.metaKey) return;
    const rows = [...(e.currentTarget as HTMLElement).querySelectorAll<HTMLButtonElement>('button.row')];
    const at = rows.indexOf(document.activeElement as HTMLButtonElement);
    const to =
      e.key === 'Home'
        ? 0
        : e.key === 'End'
          ? rows.length - 1
          : Math.max(0, Math.min(rows.length - 1, at + (e.key === 'ArrowDown' ? 1 : -1)));
    e.preventDefault();
    rows[to]?.focus();
    rows[to]?.click();
  };
  return (
    <nav class="list" aria-label="Conversations">
      <h2 class="pane-title">
        Conversations <span class="count">({order.length})</span>
      </h2>
      {order.length === 0 ? (
        <p class="empty">No conversation on your desk. New ones arrive here.</p>
      ) : (
        <ul onKeyDown={onKeyDown}>
          {order.map((id) => (
            <Row key={id} id={id} client={client} />
          ))}
        </ul>
      )}
    </nav>
  );
}

const Row = memo(function Row({ id, client }: { id: string; client: DeskClient }) {
  const c = useSlice(client.store, (m) => m.byId[id]);
  const selected = useSlice(client.store, (m) => m.selected === id);
  if (!c) return null;
  const { view } = c;
  const last = c.messages[c.messages.length - 1];
  const name = view.visitor.name ?? 'Visitor';
  return (
    <li>
      <button
        type="button"
        class={`row ${selected ? 'selected' : ''}`}
        data-conversation-id={id}
        data-channel={view.channel}
        aria-current={selected ? 'true' : undefined}
        onClick={() => client.select(id)}
      >
        <span class="row-top">
          <ChannelIcon channel={view.channel} where="list" />
          <bdi class="name">{name}</bdi>
          {view.visitor.blocked && <span class="tag-blocked">blocked</span>}
          {c.unread > 0 && (
            <span class="unread" data-unread={c.unread}>
              {c.unread}
              <span class="visually-hidden"> unread</span>
            </span>
          )}
        </span>
        <span class="last" dir="auto">
          {last ? `${last.author.type === 'agent' ? 'You: ' : ''}${last.text}` : 'No message yet'}
        </span>
        <Countdowns deadlines={view.deadlines} />
      </button>
    </li>
  );
});
