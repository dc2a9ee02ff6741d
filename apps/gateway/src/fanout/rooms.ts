/** Socket.IO room names: one per agent (their desks), per conversation (desks holding it), per visitor. */
export const rooms = {
  agent: (agentId: string) => `agent:${agentId}`,
  conversation: (conversationId: string) => `conv:${conversationId}`,
  visitor: (visitorId: string) => `visitor:${visitorId}`,
};
