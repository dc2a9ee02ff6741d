import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setThreadFifo, threadId } from './thread-nice';

describe('thread ids and SCHED_FIFO', () => {
  it('reads the calling thread’s id from /proc/thread-self', () => {
    expect(threadId('4242/task/4250')).toBe(4250);
    expect(() => threadId('4242')).toThrow('not a thread: /proc/thread-self is 4242');
    if (process.platform === 'linux') expect(threadId()).toBe(process.pid);
  });

  const linuxOnly = process.platform === 'linux' ? it : it.skip;
  linuxOnly('puts a thread under SCHED_FIFO, or throws with chrt’s reason', async () => {
    // Another process's main thread (its id is its pid): this one's threads keep their policy.
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      await new Promise((resolve, reject) => child.once('spawn', resolve).once('error', reject));
      const tid = child.pid!;
      const policy = () => {
        const stat = readFileSync(`/proc/${tid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[38]);
      };
      expect(policy()).toBe(0);
      let refused: Error | undefined;
      try {
        setThreadFifo(tid, 1);
      } catch (err) {
        refused = err as Error;
      }
      // As root or with CAP_SYS_NICE (CI): SCHED_FIFO (1). Without it: chrt's own reason.
      if (refused) expect(refused.message).toMatch(/chrt|not permitted/i);
      else expect(policy()).toBe(1);
      expect(() => setThreadFifo(2 ** 22 + 1, 1)).toThrow();
    } finally {
      child.kill();
    }
  });
});
