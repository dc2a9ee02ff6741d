/**
 * The readings "Queue" and "Who gets it": pure rules, no Nest module; matching (assignment/) runs
 * them, the conversation aggregate (conversations/) records whom a queued conversation keeps away from.
 */
export { excludedAgent, exclusionEnds, type ExclusionCause } from './domain/exclusion';
export { matchQueue, type Assignment, type QueuedConversation } from './domain/match-queue';
export { explainSelection, isAvailableFor, selectAgent, type AgentCandidate } from './domain/select-agent';
export { recordAssignments, secondsPerAssignment, WAIT_ESTIMATE } from './domain/wait-estimate';
