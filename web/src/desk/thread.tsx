import { memo } from 'preact/compat';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { CannedResponse, Message } from '../common/contracts';
import { newClientMessageId } from '../../../libs/sdk/src/ids';
import { useSlice } from '../common/store';
import { clock } from '../common/time';
import { Countdowns } from './countdown';
import type { DeskClient } from './desk-client';
import { searchEmoji } from './emoji-data';
import { Avatar, ChannelIcon } from './icons';
import { SidePanel } from './side-panel';

/** The selected conversation: header with the avatar and R1's icon, messages, composer, side panel. */
export function Thread({ client }: { client: DeskClient }) {
  const id = useSlice(client.store, (m) => m.selected);
  if (!id)
    return (
      <main class="thread empty" id="thread">
        <p>Select a conversation (Alt+↓ / Alt+↑).</p>
      </main>
    );
  return <ThreadOf key={id} id={id} client={client} />;
}

function ThreadOf({ id, client }: { id: string; client: DeskClient }) {
  const c = useSlice(client.store, (m) => m.byId[id]);
  if (!c) return null;
  const { view } = c;
  const name = view.visitor.name ?? 'Visitor';
  return (
    <>
      <main class="thread" id="thread" aria-label={`Conversation with ${name}`}>
        <header class="thread-head">
          <span class="avatar-wrap">
            <Avatar name={name} />
            <ChannelIcon channel={view.channel} where="thread" />
          </span>
          <span class="who">
            <bdi class="name">{name}</bdi>
            <span class="meta">
              {view.channel === 'mobile_app' ? 'Mobile app' : 'Web chat'}
              {view.visitor.platform ? ` · ${view.visitor.platform}` : ''}
              {view.visitor.blocked ? ' · blocked' : ''}
            </span>
          </span>
          <Countdowns deadlines={view.deadlines} />
        </header>
        <Messages client={client} id={id} messages={c.messages} olderDone={c.olderDone} name={name} />
        <Composer client={client} id={id} name={name} />
      </main>
      <SidePanel client={client} conversation={c} />
    </>
  );
}

function Messages(props: {
  client: DeskClient;
  id: string;
  messages: Message[];
  olderDone: boolean;
  name: string;
}) {
  const { client, id, messages, olderDone, name } = props;
  const ref = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const [loading, setLoading] = useState(false);
  const last = messages[messages.length - 1]?.id;
  useLayoutEffect(() => {
    const el = ref.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [last]);
  const onScroll = () => {
    const el = ref.current;
    if (el) stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
  };
  const older = async () => {
    setLoading(true);
    stick.current = false;
    await client.loadOlder(id);
    setLoading(false);
  };
  return (
    <div
      class="messages"
      ref={ref}
      onScroll={onScroll}
      tabIndex={0}
      role="log"
      aria-label={`Messages with ${name}`}
    >
      {!olderDone && (
        <button type="button" class="older" onClick={older} disabled={loading}>
          {loading ? 'Loading older messages…' : 'Load older messages'}
        </button>
      )}
      <ol>
        {messages.map((m) => (
          <MessageItem key={m.id} message={m} />
        ))}
      </ol>
    </div>
  );
}

const MessageItem = memo(function MessageItem({ message }: { message: Message }) {
  const mine = message.author.type === 'agent';
  return (
    <li class={`msg ${mine ? 'agent' : 'visitor'}`} data-message-id={message.id}>
      <p class="text" dir="auto">
        {message.text}
      </p>
      <span class="time">
        {mine ? 'Agent' : 'Visitor'} · <time dateTime={message.createdAt}>{clock(message.createdAt)}</time>
      </span>
    </li>
  );
});

function Composer({ client, id, name }: { client: DeskClient; id: string; name: string }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [picker, setPicker] = useState<'emoji' | 'canned' | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);
  const capabilities = useSlice(client.store, (m) => m.byId[id]?.view.capabilities);

  const send = async () => {
    if (!text.trim()) return;
    const ack = await client.ask<{ messageId: string }>('message.send', {
      conversationId: id,
      text,
      clientMessageId: newClientMessageId(),
    });
    if (ack.ok) {
      setText('');
      setError(null);
    } else setError(ack.error.message);
  };
  const insert = (emoji: string) => {
    const el = area.current;
    const start = el?.selectionStart ?? text.length;
    const end = el?.selectionEnd ?? text.length;
    const next = text.slice(0, start) + emoji + text.slice(end);
    setText(next);
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(start + emoji.length, start + emoji.length);
    });
  };
  const sendCanned = async (canned: CannedResponse) => {
    setPicker(null);
    const ack = await client.ask('canned.send', {
      conversationId: id,
      cannedResponseId: canned.id,
      clientMessageId: newClientMessageId(),
    });
    setError(ack.ok ? null : ack.error.message);
    area.current?.focus();
  };

  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      <label for="composer-text" class="visually-hidden">
        Message to {name}
      </label>
      <textarea
        id="composer-text"
        ref={area}
        dir="auto"
        rows={3}
        maxLength={4000}
        placeholder={`Write to ${name} (Enter sends, Shift+Enter for a new line)`}
        value={text}
        onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            void send();
          }
          if (e.key === 'Escape') document.querySelector<HTMLElement>('button.row.selected')?.focus();
        }}
      />
      <div class="composer-actions">
        {capabilities?.emoji && (
          <button
            type="button"
            aria-expanded={picker === 'emoji'}
            aria-controls="emoji-picker"
            onClick={() => setPicker(picker === 'emoji' ? null : 'emoji')}
          >
            <span aria-hidden="true">😊</span> Emoji
          </button>
        )}
        {capabilities?.cannedResponses && (
          <button
            type="button"
            aria-expanded={picker === 'canned'}
            aria-controls="canned-picker"
            onClick={() => setPicker(picker === 'canned' ? null : 'canned')}
          >
            Canned responses
          </button>
        )}
        <span class="spacer" />
        {error && (
          <span class="error" role="alert">
            {error}
          </span>
        )}
        <button type="submit" class="primary" disabled={!text.trim()}>
          Send
        </button>
      </div>
      {picker === 'emoji' && <EmojiPicker onPick={insert} onClose={() => setPicker(null)} />}
      {picker === 'canned' && (
        <CannedPicker client={client} onPick={sendCanned} onClose={() => setPicker(null)} />
      )}
    </form>
  );
}

function EmojiPicker({ onPick, onClose }: { onPick: (e: string) => void; onClose: () => void }) {
  const [query, setQuery] = useState('');
  const search = useRef<HTMLInputElement>(null);
  useEffect(() => search.current?.focus(), []);
  const groups = searchEmoji(query);
  return (
    <div
      class="popover emoji-picker"
      id="emoji-picker"
      role="dialog"
      aria-label="Emoji picker"
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          onClose();
        }
      }}
    >
      <label>
        <span class="visually-hidden">Search emoji</span>
        <input
          ref={search}
          type="search"
          placeholder="Search emoji"
          value={query}
          onInput={(e) => setQuery((e.currentTarget as HTMLInputElement).value)}
        />
      </label>
      <div class="emoji-groups">
        {groups.length === 0 && <p>No emoji matches “{query}”.</p>}
        {groups.map((g) => (
          <section key={g.name} aria-label={g.name}>
            <h3>{g.name}</h3>
            <div class="emoji-grid">
              {g.items.map(([emoji, words]) => (
                <button
                  type="button"
                  key={emoji}
                  class="emoji"
                  title={words}
                  aria-label={words}
                  onClick={() => onPick(emoji)}
                >
                  {emoji}
                </button>
              ))}
            </div>
          </section>
        ))}
      </div>
    </div>
  );
}

function CannedPicker(props: {
  client: DeskClient;
  onPick: (c: CannedResponse) => void;
  onClose: () => void;
}) {
  const { client, onPick, onClose } = props;
  const [items, setItems] = useState<CannedResponse[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const first = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    void client.ask<{ items: CannedResponse[] }>('canned.list').then((ack) => {
      if (ack.ok) setItems(ack.items);
      else setError(ack.error.message);
    });
  }, [client]);
  useEffect(() => first.current?.focus(), [items]);
  return (
    <div
      class="popover canned-picker"
      id="canned-picker"
      role="dialog"
      aria-label="Canned responses"
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          onClose();
        }
      }}
    >
      <h3>Canned responses (sent at once)</h3>
      {error && <p class="error">{error}</p>}
      {items === null && !error && <p>Loading…</p>}
      {items?.length === 0 && <p>No canned response yet (an admin adds them).</p>}
      <ul>
        {items?.map((c, i) => (
          <li key={c.id}>
            <button type="button" ref={i === 0 ? first : undefined} onClick={() => onPick(c)}>
              <strong>{c.title}</strong>
              <span dir="auto">{c.text}</span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
