import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

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
  machineBusy: number;
  machineTotal: number;
}

const TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux

function readTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14 and 15)
  } catch {
    return null;
  }
}

function readMachine(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const total = v.reduce((a, b) => a + b, 0);
    const idle = v[3] + (v[4] ?? 0); // idle + iowait
    return { busy: total - idle, total };
  } catch {
    return { busy: NaN, total: NaN };
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

  sample(): CpuSample {
    const ticks = new Map<string, Map<number, number>>();
    for (const g of this.groups) {
      const m = new Map<number, number>();
      for (const pid of g.pids()) {
        const t = readTicks(pid);
        if (t !== null) m.set(pid, t);
      }
      ticks.set(g.label, m);
    }
    const machine = readMachine();
    return { at: performance.now(), ticks, machineBusy: machine.busy, machineTotal: machine.total };
  }

  /** Percent of one core per group between a and b, plus the machine's busy share (of all cores, ×cores). */
  between(a: CpuSample, b: CpuSample): { perGroup: Map<string, number>; machine: number } {
    const seconds = (b.at - a.at) / 1000;
    const perGroup = new Map<string, number>();
    for (const g of this.groups) {
      const before = a.ticks.get(g.label) ?? new Map<number, number>();
      let delta = 0;
      // A pid first seen at b started meanwhile (a backend the pool opened under load): all its ticks
      // are in the interval; leaving them out hid most of PostgreSQL's CPU at 1,000/s.
      for (const [pid, t] of b.ticks.get(g.label) ?? []) delta += t - (before.get(pid) ?? 0);
      perGroup.set(g.label, seconds > 0 ? (100 * delta) / TICKS_PER_SECOND / seconds : NaN);
    }
    const total = b.machineTotal - a.machineTotal;
    const cores = Math.max(1, cpuCount());
    const machine = total > 0 ? (100 * cores * (b.machineBusy - a.machineBusy)) / total : NaN;
    return { perGroup, machine };
  }
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
