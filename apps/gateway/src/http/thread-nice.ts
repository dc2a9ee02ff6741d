import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
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

/**
 * Sets the calling thread's nice value; below the current one it takes CAP_SYS_NICE or an RLIMIT_NICE
 * of at least 20 - nice (else throws).
 */
export function setThreadNice(nice: number): void {
  setPriority(0, nice);
}

/** The warning when a raise was refused. */
export function niceRefused(what: string, nice: number, err: unknown): string {
  return `${what} stays at its priority (nice ${nice} refused: ${(err as Error).message}; it takes CAP_SYS_NICE or an RLIMIT_NICE of ${20 - nice})`;
}

/** The calling thread's id (Linux: `/proc/thread-self` is `<pid>/task/<tid>`). */
export function threadId(link = readlinkSync('/proc/thread-self')): number {
  const tid = Number(/^\d+\/task\/(\d+)$/.exec(link)?.[1]);
  if (!Number.isInteger(tid) || tid <= 0) throw new Error(`not a thread: /proc/thread-self is ${link}`);
  return tid;
}

/**
 * Puts a thread under SCHED_FIFO at `priority` (1–99): it then runs whenever it is runnable, ahead of
 * every thread of the ordinary classes whatever their nice value, until it sleeps. Node has no call
 * for it, so util-linux's `chrt` does it, with `--reset-on-fork` (a thread or process it starts later
 * does not inherit the policy: the libuv pool's threads, say). It takes CAP_SYS_NICE, or an
 * RLIMIT_RTPRIO of at least `priority` (else throws, with chrt's message).
 * Linux keeps 5 % of each second for the ordinary classes (`kernel.sched_rt_runtime_us`), so a thread
 * that never sleeps slows the machine rather than stopping it.
 */
export function setThreadFifo(tid: number, priority: number): void {
  try {
    execFileSync('chrt', ['--fifo', '--reset-on-fork', '--pid', String(priority), String(tid)], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 5_000,
    });
  } catch (err) {
    const said = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(said || (err as Error).message);
  }
}
