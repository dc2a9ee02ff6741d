import type { ConversationView, Message } from '@pupitre/shared/contracts';
import { capabilitiesFor } from '@pupitre/shared/domain';
import type { ConversationRow, VisitorRow } from '../conversations.repository';

/** The desk's picture of one conversation (CONTRACT.md ConversationView), R1–R3 included. */
export function toConversationView(c: ConversationRow, v: VisitorRow, messages: Message[]): ConversationView {
  return {
    id: c.id,
    channel: c.channel,
    status: c.status,
    visitor: { id: v.id, name: v.name, platform: v.platform, blocked: v.blocked_at !== null },
    tags: c.tags,
    messages,
    assignedAt: c.assigned_at?.toISOString() ?? null,
    deadlines: {
      ...(c.reassign_at ? { reassignAt: c.reassign_at.toISOString() } : {}),
      ...(c.close_at ? { closeAt: c.close_at.toISOString() } : {}),
    },
    capabilities: capabilitiesFor(c.channel),
  };
}

/** A tag is 1–50 characters, kept as written; the list has no duplicates and keeps insertion order. */
export function withTag(tags: string[], tag: string, action: 'add' | 'remove'): string[] {
  if (action === 'add') return tags.includes(tag) ? tags : [...tags, tag];
  return tags.filter((t) => t !== tag);
}
