import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';

/**
 * Sets the nice value of every thread of this process, not only its main thread's (on Linux a nice
 * value is a thread's: `os.setPriority(0, …)` sets the calling thread's alone). The load generator's
 * garbage collector runs on V8's helper threads too, started before any nice is set: left at 0,
 * they wait for a core on the machine the system saturates, and the main thread waits for them in
 * each collection. With them at the generator's value, its pauses under bench/overload's overload
 * were shorter (issue 7's note, session 57). Threads started later inherit the value of the thread
 * that starts them. Elsewhere: the process's, as os.setPriority sets it. Throws what the first
 * refusal says.
 */
export function setProcessNice(nice: number): void {
  if (process.platform !== 'linux') return os.setPriority(0, nice);
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      os.setPriority(Number(tid), nice);
    } catch (err) {
      // A thread that ended meanwhile is not refused, only gone (libuv's ESRCH, in the message).
      if (!/\bESRCH\b/.test((err as Error).message)) throw err;
    }
  }
}

/** setProcessNice, or what its refusal says (undefined once every thread has the value). */
export function trySetProcessNice(nice: number): string | undefined {
  try {
    setProcessNice(nice);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * CPU use per process group from /proc (Linux): user+system ticks between two samples, as a percent
 * of one core. `ps -o pcpu` would give the average over each process's whole life instead.
 */
export interface CpuGroup {
  label: string;
  /** The group's pids now (re-evaluated at every sample: PostgreSQL backends come and go). */
  pids: () => number[];
}

export interface CpuSample {
  at: number;
  ticks: Map<string, Map<number, number>>;
  /** Context switches (voluntary and not, all threads) per pid: each costs a wake-up, dear on a VM. */
  switches: Map<string, Map<number, number>>;
  /**
   * Minor page faults per pid (all threads): each is a kernel entry to map a page the process touched
   * for the first time, dear on a VM (about 12 µs on the CI machine in session 33, 1 µs on bare metal).
   */
  faults: Map<string, Map<number, number>>;
  machineBusy: number;
  machineTotal: number;
  /** Ticks the hypervisor ran something else while this machine's CPUs wanted to run (steal). */
  machineSteal: number;
}

const TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux

/** CPU ticks (user + system) and minor page faults so far, from /proc/PID/stat. */
function readStat(pid: number): { ticks: number; faults: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // minflt is field 10, utime and stime fields 14 and 15 (fields[0] is field 3).
    return { ticks: Number(fields[11]) + Number(fields[12]), faults: Number(fields[7]) };
  } catch {
    return null;
  }
}

/** Context switches so far of all of a process's threads (exited threads' are no longer counted). */
function readSwitches(pid: number): number | null {
  try {
    let n = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      try {
        const { voluntary, involuntary } = switchesIn(
          readFileSync(`/proc/${pid}/task/${task}/status`, 'utf8'),
        );
        // A count the kernel does not give (none has lacked them since Linux 2.6.23) adds nothing.
        for (const count of [voluntary, involuntary]) if (Number.isFinite(count)) n += count;
      } catch {
        // the thread ended meanwhile
      }
    }
    return n;
  } catch {
    return null;
  }
}

function readMachine(): { busy: number; total: number; steal: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    // user nice system idle iowait irq softirq steal; guest and guest_nice are counted in user and nice.
    const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = v.reduce((a, b) => a + b, 0);
    const idle = v[3] + (v[4] ?? 0); // idle + iowait
    // Busy counts steal too (the CPU was wanted); it is also given apart: a VM's neighbours, not this run.
    return { busy: total - idle, total, steal: v[7] ?? 0 };
  } catch {
    return { busy: NaN, total: NaN, steal: NaN };
  }
}

/** Pids whose command line matches (e.g. the Kafka JVM, this run's PostgreSQL backends). */
export function pidsMatching(test: (cmdline: string) => boolean): number[] {
  if (process.platform !== 'linux') return [];
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (test(cmd)) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

export class CpuMeter {
  constructor(readonly groups: CpuGroup[]) {}

  /** `switches: false` skips reading every thread's status (the progress line shows CPU only). */
  sample(o: { switches?: boolean } = {}): CpuSample {
    const ticks = new Map<string, Map<number, number>>();
    const switches = new Map<string, Map<number, number>>();
    const faults = new Map<string, Map<number, number>>();
    for (const g of this.groups) {
      const t = new Map<number, number>();
      const w = new Map<number, number>();
      const f = new Map<number, number>();
      for (const pid of g.pids()) {
        const stat = readStat(pid);
        if (stat !== null) {
          t.set(pid, stat.ticks);
          f.set(pid, stat.faults);
        }
        const wp = o.switches === false ? null : readSwitches(pid);
        if (wp !== null) w.set(pid, wp);
      }
      ticks.set(g.label, t);
      switches.set(g.label, w);
      faults.set(g.label, f);
    }
    const machine = readMachine();
    return {
      at: performance.now(),
      ticks,
      switches,
      faults,
      machineBusy: machine.busy,
      machineTotal: machine.total,
      machineSteal: machine.steal,
    };
  }

  /**
   * Percent of one core per group between a and b, its CPU seconds, context switches and minor page
   * faults (a backend born meanwhile counts all of its own), plus the
   * machine's busy share and the part of it the hypervisor stole (of all cores, ×cores).
   */
  between(
    a: CpuSample,
    b: CpuSample,
  ): {
    perGroup: Map<string, number>;
    cpuSeconds: Map<string, number>;
    switches: Map<string, number>;
    faults: Map<string, number>;
    machine: number;
    steal: number;
  } {
    const seconds = (b.at - a.at) / 1000;
    const perGroup = new Map<string, number>();
    const cpuSeconds = new Map<string, number>();
    const switches = new Map<string, number>();
    const faults = new Map<string, number>();
    for (const g of this.groups) {
      const busy = grew(a.ticks.get(g.label), b.ticks.get(g.label)) / TICKS_PER_SECOND;
      perGroup.set(g.label, seconds > 0 ? (100 * busy) / seconds : NaN);
      cpuSeconds.set(g.label, busy);
      // A thread that ended took its count with it: a process's count can fall (the JVM's).
      switches.set(g.label, grew(a.switches.get(g.label), b.switches.get(g.label), 0));
      faults.set(g.label, grew(a.faults.get(g.label), b.faults.get(g.label), 0));
    }
    const total = b.machineTotal - a.machineTotal;
    const cores = Math.max(1, cpuCount());
    const share = (ticks: number) => (total > 0 ? (100 * cores * ticks) / total : NaN);
    const machine = share(b.machineBusy - a.machineBusy);
    const steal = share(b.machineSteal - a.machineSteal);
    return { perGroup, cpuSeconds, switches, faults, machine, steal };
  }
}

/**
 * How much a group's per-pid counters grew from a to b. A pid first seen at b started meanwhile (a
 * backend the pool opened under load): all its count is in the interval; leaving it out hid most of
 * PostgreSQL's CPU at 1,000/s.
 */
function grew(
  before: Map<number, number> | undefined,
  after: Map<number, number> | undefined,
  floor = -Infinity,
): number {
  let delta = 0;
  for (const [pid, n] of after ?? []) delta += Math.max(floor, n - (before?.get(pid) ?? 0));
  return delta;
}

function cpuCount(): number {
  try {
    return readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .filter((l) => /^cpu\d+ /.test(l)).length;
  } catch {
    return 1;
  }
}

/** One thread's scheduler counters (Linux `/proc/<pid>/task/<tid>/schedstat`), in ns. */
export interface ThreadSched {
  at: number;
  /** Time on a core. */
  runNs: number;
  /** Time runnable but waiting for a core (the run queue). */
  waitNs: number;
  /** Turns on a core: each starts after a wait, whether the thread woke or was preempted before it. */
  slices: number;
  /** Of the switches off a core: the thread's own (it slept), and the others (it was preempted). */
  voluntary: number;
  involuntary: number;
}

/**
 * A thread's time on a core and waiting for one, and its switches off a core, now; null where the
 * kernel does not keep them (not Linux; with schedstats off the file reads zeros). A process's main
 * thread has the process's id: for Node, its event loop.
 */
export function threadSched(pid: number, tid = pid): ThreadSched | null {
  try {
    const dir = `/proc/${pid}/task/${tid}`;
    const [runNs, waitNs, slices] = readFileSync(`${dir}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
    const sample = {
      at: performance.now(),
      runNs,
      waitNs,
      slices,
      ...switchesIn(readFileSync(`${dir}/status`, 'utf8')),
    };
    const numbers = [runNs, waitNs, slices, sample.voluntary, sample.involuntary];
    return numbers.every(Number.isFinite) && runNs + slices > 0 ? sample : null;
  } catch {
    return null;
  }
}

/** A thread's switches off a core so far, from its `/proc/…/status`: it slept, or it was preempted (NaN: not given). */
function switchesIn(status: string): { voluntary: number; involuntary: number } {
  const count = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)$`, 'm').exec(status)?.[1] ?? NaN);
  return { voluntary: count('voluntary_ctxt_switches'), involuntary: count('nonvoluntary_ctxt_switches') };
}

/** The id of a process's first thread with this name (`/proc/<pid>/task/<tid>/comm`), if any. */
export function threadNamed(pid: number, name: string): number | undefined {
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      if (readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() === name) return Number(tid);
    }
  } catch {
    // not Linux, or the process is gone
  }
  return undefined;
}

/** What a thread did with each second between two samples. */
export interface SchedRates {
  ranMs: number;
  waitedMs: number;
  /** Turns on a core; waitedMs ÷ slices is the mean wait before one (a mean: it hides the tail). */
  slices: number;
  /** Switches off a core because it slept (its loop idle, or a blocking call) and because it was preempted. */
  voluntary: number;
  involuntary: number;
}

/** Between two samples, per second of wall time. */
export function schedPerSecond(a: ThreadSched, b: ThreadSched): SchedRates {
  const seconds = (b.at - a.at) / 1000;
  const rate = (from: number, to: number) => (to - from) / seconds;
  return {
    ranMs: rate(a.runNs, b.runNs) / 1e6,
    waitedMs: rate(a.waitNs, b.waitNs) / 1e6,
    slices: rate(a.slices, b.slices),
    voluntary: rate(a.voluntary, b.voluntary),
    involuntary: rate(a.involuntary, b.involuntary),
  };
}
