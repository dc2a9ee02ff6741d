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
