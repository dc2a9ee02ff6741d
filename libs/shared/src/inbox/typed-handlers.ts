import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { DomainError } from '../errors';
import type { RequestHandlers, RequestMeta } from './request-processor';

type OpShape = { in: unknown; out: unknown };

export type TypedHandlers<Ops extends { [K in keyof Ops]: OpShape }> = {
  [K in keyof Ops]: {
    readOnly?: boolean;
    readsBeforeWrites?: number;
    locks?: string;
    /** Incoming data is validated before use, even though the gateway validated it too. */
    schema: z.ZodType<Ops[K]['in'], z.ZodTypeDef, unknown>;
    handle(data: Ops[K]['in'], tx: EntityManager, meta: RequestMeta): Promise<Ops[K]['out']>;
  };
};

export function typedHandlers<Ops extends { [K in keyof Ops]: OpShape }>(
  handlers: TypedHandlers<Ops>,
): RequestHandlers {
  const out: RequestHandlers = {};
  for (const [op, h] of Object.entries(handlers) as [string, TypedHandlers<Ops>[keyof Ops]][]) {
    out[op] = {
      readOnly: h.readOnly,
      readsBeforeWrites: h.readsBeforeWrites,
      locks: h.locks,
      handle: async (data, tx, meta) => {
        const parsed = h.schema.safeParse(data);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new DomainError('VALIDATION_FAILED', `${issue.path.join('.') || op}: ${issue.message}`);
        }
        return h.handle(parsed.data, tx, meta);
      },
    };
  }
  return out;
}

/** The schema of a request that carries no data (`system.ping`, lists). */
export const noRequestData = z
  .object({})
  .passthrough()
  .transform(() => ({}) as Record<string, never>);
