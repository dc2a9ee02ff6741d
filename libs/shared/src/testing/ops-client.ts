import type { INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';

export interface OpsAnswer {
  status: number;
  body: string;
  json<T = Record<string, unknown>>(): T;
}

/** The base URL of an app's HTTP server (a back-end service's OPS_PORT, the gateway's PORT). */
export function httpUrlOf(app: INestApplication): string {
  const { port } = app.getHttpServer().address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/** GET on a health or metrics endpoint. */
export async function getOps(baseUrl: string, path: string): Promise<OpsAnswer> {
  const res = await fetch(`${baseUrl}${path}`);
  const body = await res.text();
  return { status: res.status, body, json: <T>() => JSON.parse(body) as T };
}

/** The metric names (families) a `/metrics` text exposes. */
export function metricNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split('\n')) {
    const m = /^# TYPE (\S+) /.exec(line);
    if (m) names.add(m[1]);
  }
  return names;
}

/** The value of the sample `name` whose labels include `labels` (in any order), or undefined. */
export function metricValue(
  exposition: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of exposition.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = new Map([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) return Number(m[3]);
  }
  return undefined;
}
