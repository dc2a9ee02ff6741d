import { isUuid } from '@pupitre/shared/contracts';

/** A write of a batch of requests, as it comes before its handler validates it. */
export interface BatchWrite {
  requestId: string;
  op: string;
  data: unknown;
}

/** What a visitor's message reads before it writes: which visitor, and its idempotency key. */
export interface PostKey {
  visitorId: string;
  clientMessageId: string;
}

export const VISITOR_POST = 'visitor.post-message';

/**
 * Writes that change nothing a visitor's message reads (the visitor's row, their messages, which of
 * their conversations is open). Any other write (a close, a block, one this list does not know yet)
 * may, so a message after it reads for itself.
 */
const LEAVES_POST_READS_ALONE = new Set([
  'visitor.presence',
  'visitor.set-push-token',
  'visitor.clear-push-token',
  'gateway.heartbeat',
  'gateway.presence-reset',
  'agent.post-message',
  'agent.send-canned',
  'agent.tag',
  'canned.create',
  'canned.delete',
]);

/** The post's key, when its data has one (what lacks it is refused by its handler, unwritten). */
export function postKeyOf(data: unknown): PostKey | null {
  const d = (data ?? {}) as { visitorId?: unknown; clientMessageId?: unknown };
  if (!isUuid(d.visitorId)) return null;
  if (typeof d.clientMessageId !== 'string') return null;
  return { visitorId: d.visitorId.toLowerCase(), clientMessageId: d.clientMessageId };
}

/** A visitor message whose reads are made at the batch's start. */
export interface ReadAheadPost extends PostKey {
  requestId: string;
  /**
   * Not the visitor's first message in the batch: its read holds only if the earlier ones cannot have
   * changed it (readAheadHolds).
   */
  repeat: boolean;
}

/**
 * The visitor messages of a batch whose reads can all be made in one statement at the batch's start,
 * given its writes in the order they are applied: those that no earlier write of the batch can change
 * the reads of. None after a write that may change them (see above). A visitor's later message is
 * read too, marked `repeat`, unless it carries the clientMessageId of one before it (then it is that
 * message again, which its own read would not see yet): whether its read still holds depends on what
 * the read says (readAheadHolds). Each read is for its request alone (by its id): a request that does
 * not use its read (refused by its handler's validation, or answered from the inbox) leaves it to
 * nobody.
 */
export function postsToReadAhead(writes: BatchWrite[]): ReadAheadPost[] {
  const posts: ReadAheadPost[] = [];
  const keysByVisitor = new Map<string, Set<string>>();
  for (const { requestId, op, data } of writes) {
    if (op !== VISITOR_POST) {
      if (LEAVES_POST_READS_ALONE.has(op)) continue;
      break;
    }
    const key = postKeyOf(data);
    if (!key) continue;
    const earlier = keysByVisitor.get(key.visitorId);
    if (!earlier?.has(key.clientMessageId)) posts.push({ ...key, requestId, repeat: earlier !== undefined });
    keysByVisitor.set(key.visitorId, (earlier ?? new Set()).add(key.clientMessageId));
  }
  return posts;
}

/** What a visitor message's read says, as far as readAheadHolds needs it. */
export interface PostRead {
  visitor: { blocked_at: Date | null };
  earlier: unknown;
  open: unknown;
}

/**
 * Whether a message's read, made at the batch's start, still holds when its handler runs. A first
 * message's always does. A visitor's later message's holds unless the read found them with no open
 * conversation to write to: then an earlier message of theirs in the batch may have opened one (R13),
 * so it reads for itself. Otherwise the earlier ones changed nothing it reads: a message to an open
 * conversation leaves it open, a replay or a refusal writes nothing, and its own clientMessageId is
 * not theirs (postsToReadAhead). An unknown or blocked visitor stays so.
 */
export function readAheadHolds(read: PostRead | null, repeat: boolean): boolean {
  if (!repeat || read === null) return true;
  return read.earlier !== null || read.open !== null || read.visitor.blocked_at !== null;
}

export const AGENT_POST = 'agent.post-message';
export const CANNED_SEND = 'agent.send-canned';
const PRESENCE = 'visitor.presence';
/** Writes that change the canned responses a canned send reads. */
const CHANGES_CANNED = new Set(['canned.create', 'canned.delete']);

/**
 * Writes that change nothing an agent's message reads: the conversation's status and who holds it
 * (conversation's copy of routing's assignments, which only routing's events change, in their own
 * transactions), and its visitor's push token and presence (whether the answer is pushed). A visitor's
 * message leaves an existing conversation as it is (a new one is another conversation); another
 * agent message moves only the pointer to the last one (R14), which the handler does not read. Any
 * other write (a close, a block, a gateway's heartbeat or reset, one this list does not know yet)
 * may change them, so an agent's message after it reads for itself.
 */
const LEAVES_AGENT_POST_READS_ALONE = new Set([
  VISITOR_POST,
  AGENT_POST,
  CANNED_SEND,
  'agent.tag',
  ...CHANGES_CANNED,
]);

/**
 * Writes that change one visitor's push target (their token, their sockets on one gateway instance):
 * an agent's message after one reads for itself if its conversation is that visitor's, which its read
 * tells (answerReadAheadHolds). Mobile apps and web pages report presence as they come and go, so a
 * batch often holds one. A presence report is also its gateway instance's heartbeat, which can make
 * any visitor with a socket there count as connected again: an answer after one reads for itself too
 * if its read says to push (a heartbeat only ever raises an instance's time, so a read that says
 * connected stays right).
 */
const CHANGES_ONE_PUSH_TARGET = new Set([PRESENCE, 'visitor.set-push-token', 'visitor.clear-push-token']);

/**
 * An agent's message whose reads are made at the batch's start: who, its idempotency key, where, and
 * for a canned send the canned response it sends.
 */
export interface ReadAheadAgentPost {
  requestId: string;
  agentId: string;
  clientMessageId: string;
  conversationId: string;
  cannedResponseId?: string;
  /** The visitors whose push target an earlier write of the batch changed, if any. */
  pushChangedFor?: ReadonlySet<string>;
  /** An earlier write of the batch was a presence report, which is also its instance's heartbeat. */
  afterPresence?: true;
}

/**
 * An agent message's key, and a canned send's canned response, when its data has them (what lacks
 * them is refused by its handler, unwritten).
 */
function agentPostKeyOf(
  op: string,
  data: unknown,
): Pick<ReadAheadAgentPost, 'agentId' | 'clientMessageId' | 'conversationId' | 'cannedResponseId'> | null {
  const d = (data ?? {}) as Record<string, unknown>;
  if (!isUuid(d.agentId) || !isUuid(d.conversationId)) return null;
  if (typeof d.clientMessageId !== 'string') return null;
  const key = {
    agentId: d.agentId.toLowerCase(),
    clientMessageId: d.clientMessageId,
    conversationId: d.conversationId.toLowerCase(),
  };
  if (op !== CANNED_SEND) return key;
  return isUuid(d.cannedResponseId) ? { ...key, cannedResponseId: d.cannedResponseId.toLowerCase() } : null;
}

/**
 * The agents' messages of a batch, canned sends included, whose reads can all be made in one statement
 * at the batch's start, given its writes in the order they are applied: none after a write that may
 * change them (above), and no canned send after a canned response was created or deleted. One whose
 * agent and clientMessageId an earlier agent message or canned send of the batch carries is that
 * message again, which a read at the start would not see: it reads for itself. As for visitors'
 * messages, each read is for its request alone.
 */
export function agentPostsToReadAhead(writes: BatchWrite[]): ReadAheadAgentPost[] {
  const posts: ReadAheadAgentPost[] = [];
  const keys = new Set<string>();
  const pushChanged = new Set<string>();
  let afterPresence = false;
  let cannedChanged = false;
  for (const { requestId, op, data } of writes) {
    cannedChanged ||= CHANGES_CANNED.has(op);
    if (CHANGES_ONE_PUSH_TARGET.has(op)) {
      const visitorId = (data as { visitorId?: unknown } | null)?.visitorId;
      // One without a visitor id is refused by its handler, unwritten.
      if (isUuid(visitorId)) pushChanged.add(visitorId.toLowerCase());
      afterPresence ||= op === PRESENCE;
      continue;
    }
    if (!LEAVES_AGENT_POST_READS_ALONE.has(op)) break;
    // A canned send's message is written under the same idempotency key as an agent's message.
    if (op !== AGENT_POST && op !== CANNED_SEND) continue;
    const key = agentPostKeyOf(op, data);
    if (!key) continue;
    const idempotencyKey = `${key.agentId}\n${key.clientMessageId}`;
    if (!keys.has(idempotencyKey) && !(op === CANNED_SEND && cannedChanged)) {
      posts.push({
        requestId,
        ...key,
        ...(pushChanged.size > 0 ? { pushChangedFor: new Set(pushChanged) } : {}),
        ...(afterPresence ? { afterPresence: true as const } : {}),
      });
    }
    keys.add(idempotencyKey);
  }
  return posts;
}

/**
 * Whether an agent message's read, made at the batch's start, still holds when its handler runs: not
 * when an earlier write of the batch changed the push target of the visitor it answers, nor when the
 * read says to push and an earlier presence report may have brought that visitor's gateway instance
 * back (`wouldPush`: what the read says at the batch's time).
 */
export function answerReadAheadHolds(
  read: { conversation: { visitor_id: string } | null },
  post: Pick<ReadAheadAgentPost, 'pushChangedFor' | 'afterPresence'>,
  wouldPush: boolean,
): boolean {
  const visitorId = read.conversation?.visitor_id;
  if (!visitorId) return true;
  if (post.pushChangedFor?.has(visitorId.toLowerCase())) return false;
  return !(post.afterPresence && wouldPush);
}

export const AGENT_CLOSE = 'agent.close';
export const AGENT_TAG = 'agent.tag';
/** Agents' commands that read their conversation under its lock and refuse from that read alone. */
const COMMANDS_READ_AHEAD = new Set([AGENT_CLOSE, AGENT_TAG]);

/**
 * Writes that change no conversation's row but the one they name by `conversationId`, if any: a
 * visitor's message writes messages (a first one opens another conversation), presence, push tokens
 * and canned responses are rows of their own, an agent's message moves its conversation's pointer to
 * the last agent message, a tag its tags, a close or a block closes it (a block's visitor has no
 * other open conversation). Routing's assignments change rows in transactions of their own, which
 * wait for the batch's lock. Any other write (one this list does not know yet) may, so a command
 * after it reads for itself.
 */
const CHANGES_ONLY_THE_CONVERSATION_NAMED = new Set([
  VISITOR_POST,
  AGENT_POST,
  CANNED_SEND,
  AGENT_CLOSE,
  AGENT_TAG,
  'agent.block-visitor',
  'visitor.register',
  ...CHANGES_ONE_PUSH_TARGET,
  'gateway.heartbeat',
  'gateway.presence-reset',
  ...CHANGES_CANNED,
]);

/** An agent's command whose conversation is read at the batch's start. */
export interface ReadAheadCommand {
  requestId: string;
  conversationId: string;
}

/**
 * The agents' closes and tags of a batch whose conversation can be read, with the others', in one
 * statement at the batch's start (its rows are locked by then), given its writes in the order they
 * are applied: those whose conversation no earlier write of the batch names, none after a write that
 * may change another conversation (above). The read holds when the command runs: nothing before it
 * changed that row. As for messages, each read is for its request alone.
 */
export function commandsToReadAhead(writes: BatchWrite[]): ReadAheadCommand[] {
  const commands: ReadAheadCommand[] = [];
  const named = new Set<string>();
  for (const { requestId, op, data } of writes) {
    if (!CHANGES_ONLY_THE_CONVERSATION_NAMED.has(op)) break;
    const d = (data ?? {}) as { conversationId?: unknown; agentId?: unknown };
    // One without these ids is refused by its handler, unwritten.
    if (!isUuid(d.conversationId)) continue;
    const conversationId = d.conversationId.toLowerCase();
    if (COMMANDS_READ_AHEAD.has(op) && isUuid(d.agentId) && !named.has(conversationId))
      commands.push({ requestId, conversationId });
    named.add(conversationId);
  }
  return commands;
}
