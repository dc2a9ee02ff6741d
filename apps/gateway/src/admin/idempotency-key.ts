import { randomUUID } from 'node:crypto';
import { DomainError } from '@pupitre/shared';
import { uuidV5 } from '@pupitre/shared/domain';

/** The gateway's namespace for ids derived from an Idempotency-Key (fixed: never change it). */
const IDEMPOTENT_CREATE_NAMESPACE = '9a0c2f5e-3b71-4d8a-a6e4-0f5d1c7b2e98';
const KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * The id of a resource an admin creates: derived from the `Idempotency-Key` header when there is one
 * (so a retry, on any gateway, names the same resource, and the owning service's insert, idempotent
 * on the id, creates nothing new and answers with the first), else a fresh one. `kind` keeps one key
 * from naming an agent and a canned response alike.
 */
export function createdId(kind: 'agent' | 'canned-response', header: unknown): string {
  if (header === undefined) return randomUUID();
  if (typeof header !== 'string' || !KEY.test(header))
    throw new DomainError('VALIDATION_FAILED', 'Idempotency-Key must be 1–255 visible ASCII characters');
  return uuidV5(`${kind}\n${header}`, IDEMPOTENT_CREATE_NAMESPACE);
}
