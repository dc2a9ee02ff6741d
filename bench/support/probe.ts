import http from 'node:http';
import { performance } from 'node:perf_hooks';

/** A probe's answer: its status (-1: none, an error or the timeout) and how long it took. */
export interface ProbeAnswer {
  status: number;
  latencyMs: number;
}

/**
 * One `GET` on 127.0.0.1:`port`, as a kubelet or a balancer sends its check: on a connection of its
 * own, closed after the answer.
 */
export function probeOnce(port: number, path: string, timeoutMs: number): Promise<ProbeAnswer> {
  return new Promise((resolve) => {
    const sentAt = performance.now();
    const done = (status: number) => resolve({ status, latencyMs: performance.now() - sentAt });
    const req = http.request(
      { host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs, headers: { Connection: 'close' } },
      (res) => {
        res.resume();
        res.on('end', () => done(res.statusCode ?? -1));
        res.on('error', () => done(-1));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => done(-1));
    req.end();
  });
}
