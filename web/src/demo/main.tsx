import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Channel, Message } from '../common/contracts';
import { clock } from '../common/time';
import {
  createClient,
  webStorage,
  type ConnectionState,
  type PupitreClient,
  type QueueUpdate,
} from '../../../libs/sdk/src';
import './demo.css';

/**
 * A phone-sized visitor built on the SDK (libs/sdk), to try the whole flow with the desk in another
 * tab: `mobile_app` by default, `web_chat` with the switch; queue position, messages and the close.
 * The visitor lives in this tab's sessionStorage: a reload resumes it, another tab is another visitor.
 */
function Demo() {
  const [channel, setChannel] = useState<Channel>('mobile_app');
  const [name, setName] = useState('Demo visitor');
  const [client, setClient] = useState<PupitreClient | null>(null);
  const [messages, setMessages] = useState<Message[]>([]);
  const [queue, setQueue] = useState<QueueUpdate | null>(null);
  const [closed, setClosed] = useState<string | null>(null);
  const [state, setState] = useState<ConnectionState>('connecting');
  const [error, setError] = useState<string | null>(null);
  const [text, setText] = useState('');
  const end = useRef<HTMLLIElement>(null);

  useEffect(() => end.current?.scrollIntoView({ block: 'end' }), [messages.length, closed]);

  const start = async () => {
    const c = createClient({
      baseUrl: location.origin,
      channel,
      name: name.trim() || undefined,
      platform: channel === 'mobile_app' ? 'ios' : 'web',
      storage: webStorage(sessionStorage),
      storageKey: `pupitre-demo-${channel}`,
    });
    c.on('message', (m) => {
      setMessages((all) => (all.some((x) => x.id === m.id) ? all : [...all, m]));
      if (m.author.type === 'agent') setQueue(null);
      if (m.author.type === 'visitor') setClosed(null);
    });
    c.on('queue', setQueue);
    c.on('conversationClosed', ({ reason }) => {
      setQueue(null);
      setClosed(
        reason === 'visitor_blocked'
          ? 'You can no longer write to us.'
          : reason === 'inactivity'
            ? 'The conversation was closed after a week without news.'
            : 'The agent closed the conversation. Write again to start a new one.',
      );
    });
    c.on('connectionState', setState);
    c.on('error', (e) => setError(e.message));
    try {
      await c.start();
      setClient(c);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const send = async () => {
    if (!client || !text.trim()) return;
    // The SDK stores the message in its outbox at once and delivers it (retrying) in the background.
    const entry = await client.send(text);
    setText('');
    const settled = await client.settled(entry.clientMessageId);
    setError(settled?.state === 'failed' ? `Not sent: ${settled.error?.message ?? 'refused'}` : null);
  };

  return (
    <main class="phone" aria-label="Demo visitor">
      <header class="phone-head">
        <h1>Support chat</h1>
        <span class="conn" data-state={client ? state : 'idle'}>
          {client ? state : 'not started'}
        </span>
      </header>
      {!client ? (
        <form
          class="setup"
          onSubmit={(e) => {
            e.preventDefault();
            void start();
          }}
        >
          <fieldset>
            <legend>Channel</legend>
            <label>
              <input
                type="radio"
                name="channel"
                checked={channel === 'mobile_app'}
                onChange={() => setChannel('mobile_app')}
              />
              Mobile app (SDK)
            </label>
            <label>
              <input
                type="radio"
                name="channel"
                checked={channel === 'web_chat'}
                onChange={() => setChannel('web_chat')}
              />
              Web chat
            </label>
          </fieldset>
          <label>
            Your name
            <input
              type="text"
              value={name}
              maxLength={100}
              onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)}
            />
          </label>
          <button type="submit" class="primary">
            Start chatting
          </button>
          <p class="hint">Open the desk in another tab to answer as an agent.</p>
        </form>
      ) : (
        <>
          <p class="channel-line">{channel === 'mobile_app' ? 'Mobile app' : 'Web chat'}</p>
          {queue && (
            <p class="queue" role="status" data-queue-position={queue.position}>
              You are number {queue.position} in the queue
              {queue.estimatedWaitSeconds !== undefined
                ? ` (about ${Math.ceil(queue.estimatedWaitSeconds / 60)} min)`
                : ''}
              .
            </p>
          )}
          <ol class="bubbles" aria-label="Messages" aria-live="polite">
            {messages.length === 0 && <li class="none">Say hello: an agent answers here.</li>}
            {messages.map((m) => (
              <li key={m.id} class={`bubble ${m.author.type}`} data-author={m.author.type}>
                <p dir="auto">{m.text}</p>
                <time dateTime={m.createdAt}>{clock(m.createdAt)}</time>
              </li>
            ))}
            {closed && (
              <li class="closed" role="status" data-closed="true">
                {closed}
              </li>
            )}
            <li ref={end} class="end" aria-hidden="true" />
          </ol>
          <form
            class="send"
            onSubmit={(e) => {
              e.preventDefault();
              void send();
            }}
          >
            <label for="demo-text" class="visually-hidden">
              Your message
            </label>
            <input
              id="demo-text"
              type="text"
              dir="auto"
              value={text}
              placeholder="Your message"
              onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)}
            />
            <button type="submit" class="primary" disabled={!text.trim()}>
              Send
            </button>
          </form>
        </>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </main>
  );
}

render(<Demo />, document.getElementById('app')!);
