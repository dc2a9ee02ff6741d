/**
 * R4/R5 slot arithmetic and capacity rules. Pure: no Nest module, every feature (and every domain/
 * folder) may use it.
 */
export { refuseMobileCapacity, initialChatCapacity } from './domain/agent-capacity';
export { slotKindOf, type SlotKind } from './domain/slot-kind';
export { hasFreeSlot, slotsOf, type SlotCounts } from './domain/slots';
