import type {
  Channel,
  ConversationStatus,
  ConversationView,
  Message,
  Platform,
} from '@pupitre/shared/contracts';
import { capabilitiesFor, withVisitorMessages } from '@pupitre/shared/domain';

/** The columns of a conversation row the view shows. */
interface ConversationFacts {
  id: string;
  channel: Channel;
  status: ConversationStatus;
  tags: string[];
  assigned_at: Date | null;
  reassign_at: Date | null;
  close_at: Date | null;
  /** R10's window while it runs (routing's), else null. */
  response_window_ms: number | null;
}

interface VisitorFacts {
  id: string;
  name: string | null;
  platform: Platform | null;
  blocked_at: Date | null;
}

/**
 * The desk's picture of one conversation (CONTRACT.md ConversationView), R1–R3 included. While R10
 * runs, its deadline is moved by the latest visitor message shown (routing publishes the window, not
 * each move: movedByVisitorMessage).
 */
export function toConversationView(
  c: ConversationFacts,
  v: VisitorFacts,
  messages: Message[],
): ConversationView {
  return {
    id: c.id,
    channel: c.channel,
    status: c.status,
    visitor: { id: v.id, name: v.name, platform: v.platform, blocked: v.blocked_at !== null },
    tags: c.tags,
    messages,
    assignedAt: c.assigned_at?.toISOString() ?? null,
    deadlines: withVisitorMessages(
      {
        ...(c.reassign_at ? { reassignAt: c.reassign_at.toISOString() } : {}),
        ...(c.close_at ? { closeAt: c.close_at.toISOString() } : {}),
      },
      c.response_window_ms ?? undefined,
      messages,
    ),
    capabilities: capabilitiesFor(c.channel),
  };
}
