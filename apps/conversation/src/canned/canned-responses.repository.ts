import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CannedResponse, returningRows } from '@pupitre/shared';

/** The `canned_responses` table. */
@Injectable()
export class CannedResponsesRepository {
  async insert(tx: EntityManager, c: CannedResponse & { at: Date }): Promise<void> {
    await tx.query(
      'INSERT INTO canned_responses (id, title, text, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING',
      [c.id, c.title, c.text, c.at],
    );
  }

  async find(tx: EntityManager, id: string): Promise<CannedResponse | null> {
    const rows: CannedResponse[] = await tx.query(
      'SELECT id, title, text FROM canned_responses WHERE id = $1',
      [id],
    );
    return rows[0] ?? null;
  }

  async list(tx: EntityManager): Promise<CannedResponse[]> {
    return tx.query('SELECT id, title, text FROM canned_responses ORDER BY created_at, id');
  }

  /** False when there was no such canned response. */
  async delete(tx: EntityManager, id: string): Promise<boolean> {
    const deleted = await returningRows(tx, 'DELETE FROM canned_responses WHERE id = $1 RETURNING id', [id]);
    return deleted.length > 0;
  }
}
