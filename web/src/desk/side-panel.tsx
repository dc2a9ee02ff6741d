import { useEffect, useState } from 'preact/hooks';
import type { TransferTargetItem } from '../common/contracts';
import type { DeskClient } from './desk-client';
import { Modal } from './dialog';
import type { DeskConversation } from './state';

type Action = 'release' | 'close' | 'block' | 'transfer';

/** Tags and what the agent can do with the conversation, each saying what will happen first. */
export function SidePanel({ client, conversation }: { client: DeskClient; conversation: DeskConversation }) {
  const [action, setAction] = useState<Action | null>(null);
  const { view } = conversation;
  const caps = view.capabilities;
  return (
    <aside class="side" aria-label="Conversation tools">
      {caps.tags && <Tags client={client} conversationId={view.id} tags={view.tags} />}
      <section aria-labelledby="actions-title">
        <h2 id="actions-title" class="pane-title">
          Actions
        </h2>
        <div class="actions">
          <button type="button" onClick={() => setAction('release')}>
            Release (Fermer)
          </button>
          <button type="button" onClick={() => setAction('close')}>
            Close for good
          </button>
          {caps.transfer && (
            <button type="button" onClick={() => setAction('transfer')}>
              Transfer…
            </button>
          )}
          {caps.block && (
            <button type="button" class="danger" onClick={() => setAction('block')}>
              Block visitor…
            </button>
          )}
        </div>
        {!caps.transfer && (
          <p class="hint">Transfer, attachments and links are not available on mobile app conversations.</p>
        )}
      </section>
      {action === 'transfer' ? (
        <TransferDialog client={client} conversation={conversation} onClose={() => setAction(null)} />
      ) : action ? (
        <ConfirmDialog
          client={client}
          conversation={conversation}
          action={action}
          onClose={() => setAction(null)}
        />
      ) : null}
    </aside>
  );
}

function Tags({
  client,
  conversationId,
  tags,
}: {
  client: DeskClient;
  conversationId: string;
  tags: string[];
}) {
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | null>(null);
  const change = async (command: 'conversation.tag.add' | 'conversation.tag.remove', tag: string) => {
    const ack = await client.ask<{ tags: string[] }>(command, { conversationId, tag });
    setError(ack.ok ? null : ack.error.message);
    if (ack.ok && command === 'conversation.tag.add') setDraft('');
  };
  return (
    <section aria-labelledby="tags-title">
      <h2 id="tags-title" class="pane-title">
        Tags
      </h2>
      <ul class="tags" aria-label="Tags of this conversation">
        {tags.length === 0 && <li class="none">No tag</li>}
        {tags.map((t) => (
          <li key={t} class="tag">
            <bdi>{t}</bdi>
            <button
              type="button"
              aria-label={`Remove tag ${t}`}
              onClick={() => void change('conversation.tag.remove', t)}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <form
        class="tag-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (draft.trim()) void change('conversation.tag.add', draft.trim());
        }}
      >
        <label>
          <span class="visually-hidden">New tag</span>
          <input
            type="text"
            maxLength={50}
            placeholder="New tag"
            value={draft}
            onInput={(e) => setDraft((e.currentTarget as HTMLInputElement).value)}
          />
        </label>
        <button type="submit">Add tag</button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

function explain(
  action: Exclude<Action, 'transfer'>,
  c: DeskConversation,
): { title: string; body: string; go: string } {
  const last = c.messages[c.messages.length - 1];
  switch (action) {
    case 'release':
      return {
        title: 'Release this conversation?',
        go: 'Release',
        body:
          'It leaves your desk without ending and your slot frees at once. ' +
          (last?.author.type === 'visitor'
            ? 'The visitor wrote last, so it goes straight back to the queue and another available agent gets it (R7).'
            : 'You wrote last, so it waits with no agent; when the visitor writes again it goes back to the queue (R8).'),
      };
    case 'close':
      return {
        title: 'Close this conversation for good?',
        go: 'Close for good',
        body:
          'It ends now (R12) and leaves your desk. If the visitor writes again, that starts a new conversation. ' +
          'Whoever sent its last agent message is paid for it.',
      };
    case 'block':
      return {
        title: 'Block this visitor?',
        go: 'Block visitor',
        body:
          'The conversation closes for good (reason: visitor blocked) and every later message from this visitor, ' +
          'on any channel, is refused. This cannot be undone from the desk.',
      };
  }
}

const COMMANDS = {
  release: 'conversation.release',
  close: 'conversation.close',
  block: 'visitor.block',
} as const;

function ConfirmDialog(props: {
  client: DeskClient;
  conversation: DeskConversation;
  action: Exclude<Action, 'transfer'>;
  onClose: () => void;
}) {
  const { client, conversation, action, onClose } = props;
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const text = explain(action, conversation);
  const go = async () => {
    setBusy(true);
    const ack = await client.ask(COMMANDS[action], { conversationId: conversation.view.id });
    setBusy(false);
    if (ack.ok) onClose();
    else setError(ack.error.message);
  };
  return (
    <Modal title={text.title} onClose={onClose}>
      <p class="explain">{text.body}</p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="modal-actions">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          class={action === 'block' ? 'danger' : 'primary'}
          disabled={busy}
          onClick={() => void go()}
        >
          {text.go}
        </button>
      </div>
    </Modal>
  );
}

function TransferDialog(props: { client: DeskClient; conversation: DeskConversation; onClose: () => void }) {
  const { client, conversation, onClose } = props;
  const [targets, setTargets] = useState<TransferTargetItem[] | null>(null);
  const [chosen, setChosen] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = async () => {
    setTargets(null);
    const ack = await client.ask<{ items: TransferTargetItem[] }>('agents.transferTargets', {
      conversationId: conversation.view.id,
    });
    if (ack.ok) {
      setTargets(ack.items);
      setChosen((c) => (ack.items.some((t) => t.id === c) ? c : (ack.items[0]?.id ?? null)));
    } else setError(ack.error.message);
  };
  useEffect(() => void load(), []);
  const transfer = async () => {
    if (!chosen) return;
    const ack = await client.ask('conversation.transfer', {
      conversationId: conversation.view.id,
      toAgentId: chosen,
    });
    if (ack.ok) return onClose();
    setError(`${ack.error.message} — the list is refreshed.`);
    void load();
  };
  return (
    <Modal title="Transfer to another agent" onClose={onClose}>
      <p class="explain">
        The conversation moves to the agent you choose, with its messages; their response clocks start now.
        Only agents who are available with a free chat slot are listed.
      </p>
      {targets === null && !error && <p>Looking for agents…</p>}
      {targets?.length === 0 && <p>No agent can take it now. Try again in a moment.</p>}
      {targets && targets.length > 0 && (
        <fieldset class="targets">
          <legend>Agents available now</legend>
          {targets.map((t) => (
            <label key={t.id}>
              <input
                type="radio"
                name="target"
                value={t.id}
                checked={chosen === t.id}
                onChange={() => setChosen(t.id)}
              />
              <bdi>{t.name}</bdi>
            </label>
          ))}
        </fieldset>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="modal-actions">
        <button type="button" onClick={() => void load()}>
          Refresh list
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="button" class="primary" disabled={!chosen} onClick={() => void transfer()}>
          Transfer
        </button>
      </div>
    </Modal>
  );
}
