import { useEffect, useState } from 'preact/hooks';
import type { AgentStatus } from '../common/contracts';
import { useSlice } from '../common/store';
import { soundPreference } from './alerts';
import { ConversationList } from './conversation-list';
import type { DeskClient } from './desk-client';
import { Thread } from './thread';

export function App({ client }: { client: DeskClient }) {
  const phase = useSlice(client.store, (m) => m.phase);
  useShortcuts(client);
  return (
    <>
      <a class="skip" href="#composer-text">
        Skip to the composer
      </a>
      {phase === 'signed-out' ? (
        <SignIn client={client} />
      ) : (
        <div class="desk">
          <TopBar client={client} />
          <Connection client={client} />
          <div class="panes">
            <ConversationList client={client} />
            <Thread client={client} />
          </div>
        </div>
      )}
      <Notices client={client} />
    </>
  );
}

function SignIn({ client }: { client: DeskClient }) {
  const error = useSlice(client.store, (m) => m.signInError);
  const [token, setToken] = useState('');
  return (
    <main class="sign-in">
      <h1>Pupitre desk</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (token.trim()) client.signIn(token.trim());
        }}
      >
        <label for="token">Desk token</label>
        <textarea
          id="token"
          rows={4}
          value={token}
          autoComplete="off"
          spellcheck={false}
          onInput={(e) => setToken((e.currentTarget as HTMLTextAreaElement).value)}
        />
        <p class="hint">
          The token an admin got from <code>POST /v1/admin/agents</code>. It is kept in this tab only
          (sessionStorage) and renewed before it expires.
        </p>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary">
          Open the desk
        </button>
      </form>
    </main>
  );
}

function TopBar({ client }: { client: DeskClient }) {
  const agent = useSlice(client.store, (m) => m.agent);
  const slots = useSlice(client.store, (m) => m.slots);
  const [sound, setSound] = useState(soundPreference.get());
  const [notify, setNotify] = useState(
    typeof Notification !== 'undefined' ? Notification.permission : 'denied',
  );
  const setStatus = async (status: AgentStatus) => {
    const ack = await client.ask('agent.status', { status });
    if (ack.ok) client.store.update((m) => (m.agent ? { ...m, agent: { ...m.agent, status } } : m));
    else client.notify(`Status: ${ack.error.message}`, 'error');
  };
  return (
    <header class="topbar">
      <h1>
        Pupitre <span class="agent-name">{agent ? <bdi>{agent.name}</bdi> : 'connecting…'}</span>
      </h1>
      {slots && (
        <dl class="slots" aria-label="Slots">
          <div data-slots="chat">
            <dt>Chat</dt>
            <dd>
              {slots.chat.used}/{slots.chat.capacity}
            </dd>
          </div>
          <div data-slots="mobile">
            <dt>Mobile</dt>
            <dd>
              {slots.mobile.used}/{slots.mobile.capacity}
            </dd>
          </div>
        </dl>
      )}
      {agent && (
        <label class="status">
          Status
          <select
            value={agent.status === 'away' ? 'away' : 'available'}
            onChange={(e) => void setStatus((e.currentTarget as HTMLSelectElement).value as AgentStatus)}
          >
            <option value="available">Available</option>
            <option value="away">Away</option>
          </select>
        </label>
      )}
      <label class="check">
        <input
          type="checkbox"
          checked={sound}
          onChange={(e) => {
            const on = (e.currentTarget as HTMLInputElement).checked;
            soundPreference.set(on);
            setSound(on);
          }}
        />
        Sound
      </label>
      {notify === 'default' && (
        <button type="button" onClick={() => void Notification.requestPermission().then(setNotify)}>
          Allow notifications
        </button>
      )}
      <details class="shortcuts">
        <summary>Shortcuts</summary>
        <dl>
          <dt>Alt+↓ / Alt+↑</dt>
          <dd>next / previous conversation</dd>
          <dt>↓ ↑ Home End</dt>
          <dd>move in the list</dd>
          <dt>Alt+C or /</dt>
          <dd>focus the composer</dd>
          <dt>Escape</dt>
          <dd>from the composer, back to the list</dd>
          <dt>Enter / Shift+Enter</dt>
          <dd>send / new line</dd>
        </dl>
      </details>
      <button type="button" onClick={() => client.signOut('Signed out.')}>
        Sign out
      </button>
    </header>
  );
}

function Connection({ client }: { client: DeskClient }) {
  const phase = useSlice(client.store, (m) => m.phase);
  if (phase === 'connected') return null;
  return (
    <p class="banner" role="status" data-phase={phase}>
      {phase === 'connecting'
        ? 'Connecting…'
        : 'Connection lost — reconnecting. Your conversations are kept.'}
    </p>
  );
}

function Notices({ client }: { client: DeskClient }) {
  const notices = useSlice(client.store, (m) => m.notices);
  return (
    <div class="notices" role="status" aria-live="polite">
      {notices.map((n) => (
        <p key={n.id} class={`notice ${n.tone}`}>
          <span>{n.text}</span>
          <button type="button" aria-label="Dismiss" onClick={() => client.dismiss(n.id)}>
            ×
          </button>
        </p>
      ))}
    </div>
  );
}

function useShortcuts(client: DeskClient) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const typing = (e.target as HTMLElement).closest('input, textarea, select, [contenteditable]');
      if (e.altKey && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
        e.preventDefault();
        const { order, selected } = client.store.get();
        if (order.length === 0) return;
        const at = selected ? order.indexOf(selected) : -1;
        const to = order[(at + (e.key === 'ArrowDown' ? 1 : -1) + order.length) % order.length];
        client.select(to);
        requestAnimationFrame(() =>
          document.querySelector<HTMLElement>(`button.row[data-conversation-id="${to}"]`)?.focus(),
        );
      } else if ((e.altKey && e.code === 'KeyC') || (!typing && e.key === '/')) {
        e.preventDefault();
        document.getElementById('composer-text')?.focus();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [client]);
}
