import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ensureSchema, sessionOptions } from '@pupitre/shared';
import { isolatedTestEnv } from '@pupitre/shared/testing';
import { Initial1732500000000 } from '../src/migrations/1732500000000-initial';
import { Push1764600000000 } from '../src/migrations/1764600000000-push';
import { RoutingVersions1764800000000 } from '../src/migrations/1764800000000-routing-versions';
import { ConversationRouting1765000000000 } from '../src/migrations/1765000000000-conversation-routing';

/**
 * The migration that moves routing's deadlines and version off `conversations` (issue 7) keeps what a
 * database already holds, both ways: a conversation's deadlines and version move to
 * `conversation_routing`, and back on `down` (a closed conversation's deadlines back as none, as the
 * closer left them).
 */
describe('conversation migration: routing deadlines into conversation_routing', () => {
  let ds: DataSource;

  beforeAll(async () => {
    const { databaseUrl } = await isolatedTestEnv('routingmigration');
    await ensureSchema(databaseUrl, 'conversation');
    ds = new DataSource({
      type: 'postgres',
      url: databaseUrl,
      schema: 'conversation',
      migrations: [Initial1732500000000, Push1764600000000, RoutingVersions1764800000000],
      migrationsTransactionMode: 'each',
      extra: { max: 1, ...sessionOptions('conversation') },
    });
    await ds.initialize();
    await ds.runMigrations();
  });

  afterAll(() => ds?.destroy());

  it('moves each conversation deadlines and version, and moves them back', async () => {
    const visitor = randomUUID();
    const [open, closed, untouched] = [randomUUID(), randomUUID(), randomUUID()];
    const [reassignAt, closeAt] = [new Date('2030-01-01T00:00:00Z'), new Date('2030-01-08T00:00:00Z')];
    await ds.query(`INSERT INTO visitors (id, channel, created_at) VALUES ($1, 'web_chat', now())`, [
      visitor,
    ]);
    await ds.query(
      `INSERT INTO conversations (id, visitor_id, channel, status, created_at, closed_at, close_reason,
                                  reassign_at, close_at, routing_version)
       VALUES ($1, $4, 'web_chat', 'assigned', now(), NULL, NULL, $5, $6, 7),
              ($2, $4, 'web_chat', 'closed', now(), now(), 'agent', NULL, NULL, 3),
              ($3, $4, 'web_chat', 'closed', now(), now(), 'agent', NULL, NULL, NULL)`,
      [open, closed, untouched, visitor, reassignAt, closeAt],
    );

    const runner = ds.createQueryRunner();
    try {
      await new ConversationRouting1765000000000().up(runner);
      expect(
        await runner.query(
          'SELECT conversation_id, routing_version::int AS version, reassign_at, close_at FROM conversation_routing ORDER BY routing_version DESC',
        ),
      ).toEqual([
        { conversation_id: open, version: 7, reassign_at: reassignAt, close_at: closeAt },
        { conversation_id: closed, version: 3, reassign_at: null, close_at: null },
      ]);
      const columns = await runner.query(
        `SELECT column_name FROM information_schema.columns
          WHERE table_schema = 'conversation' AND table_name = 'conversations'
            AND column_name IN ('reassign_at', 'close_at', 'routing_version')`,
      );
      expect(columns).toEqual([]);

      // Routing moved the closed one's deadlines after its close: the row keeps them, `down` does not.
      await runner.query(`UPDATE conversation_routing SET reassign_at = $2 WHERE conversation_id = $1`, [
        closed,
        reassignAt,
      ]);
      await new ConversationRouting1765000000000().down(runner);
      expect(
        await runner.query(
          `SELECT id, routing_version::int AS version, reassign_at, close_at FROM conversations
            ORDER BY routing_version DESC NULLS LAST`,
        ),
      ).toEqual([
        { id: open, version: 7, reassign_at: reassignAt, close_at: closeAt },
        { id: closed, version: 3, reassign_at: null, close_at: null },
        { id: untouched, version: null, reassign_at: null, close_at: null },
      ]);
    } finally {
      await runner.release();
    }
  });
});
