import { getPriority, setPriority } from 'node:os';

/**
 * The calling thread's nice value. On Linux `setpriority` with pid 0 reads and sets the calling
 * thread's only (a thread is a task there); elsewhere it is the whole process's, so callers that mean
 * one thread act on Linux only (`THREAD_NICE_SUPPORTED`). A thread started later copies its creator's.
 */
export const THREAD_NICE_SUPPORTED = process.platform === 'linux';

export function threadNice(): number {
  return getPriority(0);
}

/** Sets the calling thread's nice value; below the current one it takes CAP_SYS_NICE (else throws). */
export function setThreadNice(nice: number): void {
  setPriority(0, nice);
}

/** The warning when a raise was refused. */
export function niceRefused(what: string, nice: number, err: unknown): string {
  return `${what} stays at its priority (nice ${nice} refused: ${(err as Error).message}; it takes CAP_SYS_NICE)`;
}
