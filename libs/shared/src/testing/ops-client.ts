import type { INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { ServiceHarness, startServiceHarness } from './service-harness';
import { waitFor } from './wait-for';

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

/** The names of `expected` that a `/metrics` text does not expose (empty when all are there). */
export function missingMetrics(exposition: string, expected: string[]): string[] {
  const names = metricNames(exposition);
  return expected.filter((name) => !names.has(name));
}

/** Waits until `/health/ready` answers 200 (a service's consumers join and check in) and returns it. */
export function whenReady(baseUrl: string, what: string): Promise<OpsAnswer> {
  return waitFor(
    async () => {
      const res = await getOps(baseUrl, '/health/ready');
      return res.status === 200 && res;
    },
    { what: `${what} /health/ready = 200` },
  );
}

/** A service alone on a real broker and database (see startServiceHarness), with its ops server's URL. */
export interface OpsHarness extends ServiceHarness {
  url: string;
}

export async function startOpsHarness(
  name: string,
  start: Parameters<typeof startServiceHarness>[1],
): Promise<OpsHarness> {
  const sut = await startServiceHarness(name, start, []);
  return { ...sut, url: httpUrlOf(sut.app) };
}
