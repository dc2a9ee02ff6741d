import type { EntityManager } from 'typeorm';

/**
 * The transaction as a handler sees it, counting the statements the handler runs through `query`
 * (RequestHandler.readsBeforeWrites: what it ran before a refusal).
 */
export function countedStatements(tx: EntityManager): { tx: EntityManager; count(): number } {
  let count = 0;
  const query = ((sql: string, params?: unknown[]) => {
    count++;
    return tx.query(sql, params);
  }) as EntityManager['query'];
  return {
    tx: new Proxy(tx, {
      get: (target, prop, receiver) => (prop === 'query' ? query : Reflect.get(target, prop, receiver)),
    }),
    count: () => count,
  };
}
