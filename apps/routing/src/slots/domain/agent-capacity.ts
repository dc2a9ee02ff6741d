import { DomainError } from '@pupitre/shared/errors';

/**
 * R5: no admin API changes the mobile capacity. Any `mobileCapacity` key in an agent.create or
 * agent.update, whatever its value, is refused, here as well as at the gateway's door.
 */
export function refuseMobileCapacity(request: object): void {
  if (Object.hasOwn(request, 'mobileCapacity')) {
    throw new DomainError(
      'MOBILE_CAPACITY_FIXED',
      'mobileCapacity is fixed by the platform (MOBILE_SLOTS) and cannot be set through the admin API',
    );
  }
}

/** R4: a new agent gets the chat capacity the admin asked for, else the platform's default. */
export function initialChatCapacity(requested: number | null | undefined, defaultChatSlots: number): number {
  return requested ?? defaultChatSlots;
}
