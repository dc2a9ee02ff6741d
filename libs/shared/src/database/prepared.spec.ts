import type { EntityManager } from 'typeorm';
import { prepared, queryPrepared } from './prepared';

describe('prepared statements', () => {
  const sent: unknown[] = [];
  const tx = { query: async (statement: unknown) => sent.push(statement) } as unknown as EntityManager;
  beforeEach(() => (sent.length = 0));

  it('names a text the same way every time, and different texts differently', () => {
    const a = 'SELECT id FROM visitors WHERE id = $1';
    expect(prepared(a).name).toBe(prepared(a).name);
    expect(prepared(a).name).not.toBe(prepared('SELECT id FROM agents WHERE id = $1').name);
    expect(String(prepared(a))).toBe(a);
  });

  it('runs a statement with explicit columns prepared', async () => {
    await queryPrepared(tx, 'UPDATE outbox SET published_at = now() WHERE id = ANY($1) RETURNING id', [[1]]);
    expect(sent[0]).toMatchObject({ name: expect.stringMatching(/^p_/), text: expect.any(String) });
  });

  it('runs a statement whose columns come from * unprepared: a migration adding a column must not break older instances', async () => {
    for (const sql of [
      'SELECT * FROM routed_conversations WHERE conversation_id = $1',
      'SELECT m.id AS earlier_id, c.* FROM conversations c',
      "UPDATE routed_conversations SET status = status WHERE status = 'queued' RETURNING *",
    ]) {
      await queryPrepared(tx, sql, []);
      expect(sent.pop()).toBe(sql);
    }
  });
});
