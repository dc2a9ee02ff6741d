import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { returningRows } from '@pupitre/shared';

export interface AgentRow {
  id: string;
  name: string;
  chat_capacity: number;
  token_version: number;
  away: boolean;
  last_assigned_at: Date | null;
  connections: number;
  chat_used: number;
  mobile_used: number;
}

const SELECT_AGENTS = `
  SELECT a.id, a.name, a.chat_capacity, a.token_version, a.away, a.last_assigned_at,
         (SELECT count(*) FROM agent_connections c WHERE c.agent_id = a.id)::int AS connections,
         (SELECT count(*) FROM routed_conversations r
           WHERE r.agent_id = a.id AND r.status = 'assigned' AND r.channel = 'web_chat')::int AS chat_used,
         (SELECT count(*) FROM routed_conversations r
           WHERE r.agent_id = a.id AND r.status = 'assigned' AND r.channel = 'mobile_app')::int AS mobile_used
    FROM agents a`;

/** Agents, their desk connections and their slot usage. */
@Injectable()
export class AgentsRepository {
  async insert(
    tx: EntityManager,
    a: { id: string; name: string; chatCapacity: number; at: Date },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO agents (id, name, chat_capacity, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`,
      [a.id, a.name, a.chatCapacity, a.at],
    );
  }

  async find(tx: EntityManager, id: string): Promise<AgentRow | null> {
    const rows: AgentRow[] = await tx.query(`${SELECT_AGENTS} WHERE a.id = $1`, [id]);
    return rows[0] ?? null;
  }

  /** These agents, in id order. */
  async findMany(tx: EntityManager, ids: string[]): Promise<AgentRow[]> {
    return tx.query(`${SELECT_AGENTS} WHERE a.id = ANY($1::uuid[]) ORDER BY a.id`, [ids]);
  }

  async findAll(tx: EntityManager): Promise<AgentRow[]> {
    return tx.query(`${SELECT_AGENTS} ORDER BY a.created_at, a.id`);
  }

  /** Connected, not away: the only agents who can receive assignments. */
  async findReachable(tx: EntityManager): Promise<AgentRow[]> {
    return tx.query(
      `${SELECT_AGENTS} WHERE NOT a.away AND EXISTS (SELECT 1 FROM agent_connections c WHERE c.agent_id = a.id)`,
    );
  }

  async lock(tx: EntityManager, id: string): Promise<boolean> {
    const rows: unknown[] = await tx.query('SELECT 1 FROM agents WHERE id = $1 FOR UPDATE', [id]);
    return rows.length === 1;
  }

  async update(tx: EntityManager, id: string, p: { name?: string; chatCapacity?: number }): Promise<void> {
    await tx.query(
      'UPDATE agents SET name = COALESCE($2, name), chat_capacity = COALESCE($3, chat_capacity) WHERE id = $1',
      [id, p.name ?? null, p.chatCapacity ?? null],
    );
  }

  async bumpTokenVersion(tx: EntityManager, id: string): Promise<number | null> {
    const rows = await returningRows<{ token_version: number }>(
      tx,
      'UPDATE agents SET token_version = token_version + 1 WHERE id = $1 RETURNING token_version',
      [id],
    );
    return rows[0]?.token_version ?? null;
  }

  async setAway(tx: EntityManager, id: string, away: boolean): Promise<void> {
    await tx.query('UPDATE agents SET away = $2 WHERE id = $1', [id, away]);
  }

  async touchAssigned(tx: EntityManager, ids: string[], at: Date): Promise<void> {
    await tx.query('UPDATE agents SET last_assigned_at = $2 WHERE id = ANY($1::uuid[])', [ids, at]);
  }

  async addConnection(
    tx: EntityManager,
    c: { connectionId: string; agentId: string; gatewayInstance: string; at: Date },
  ) {
    await tx.query(
      `INSERT INTO agent_connections (connection_id, agent_id, gateway_instance, connected_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (connection_id) DO NOTHING`,
      [c.connectionId, c.agentId, c.gatewayInstance, c.at],
    );
  }

  async removeConnection(tx: EntityManager, connectionId: string): Promise<void> {
    await tx.query('DELETE FROM agent_connections WHERE connection_id = $1', [connectionId]);
  }

  /** A restarted gateway's old sockets are gone; returns the agents that had one there. */
  async removeConnectionsOf(tx: EntityManager, gatewayInstance: string): Promise<string[]> {
    const rows = await returningRows<{ agent_id: string }>(
      tx,
      'DELETE FROM agent_connections WHERE gateway_instance = $1 RETURNING agent_id',
      [gatewayInstance],
    );
    return [...new Set(rows.map((r) => r.agent_id))];
  }
}
