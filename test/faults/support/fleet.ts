import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type ServiceName = 'conversation' | 'routing' | 'billing' | 'gateway';

/** One service process: `name` is unique in the fleet (`routing` or `routing-2`), `service` what it runs. */
export interface Instance {
  name: string;
  service: ServiceName;
  env: NodeJS.ProcessEnv;
  logFile: string;
  child: ChildProcess | null;
  /** Start of the current process (Date.now()), and how far its log was read when it started. */
  startedAt: number;
  logOffset: number;
}

/**
 * The services as separate node processes from dist/ (as `npm start` runs them), any number of
 * instances of each, each logging to its own file (appended across restarts). kill -9 and restart
 * one; stop all. A process that exits unasked is recorded in `unexpectedExits`.
 */
export class Fleet {
  readonly instances: Instance[] = [];
  readonly unexpectedExits: string[] = [];
  private readonly killed = new Set<ChildProcess>();
  private stopping = false;

  constructor(
    private readonly root: string,
    private readonly logDir: string,
  ) {}

  add(name: string, service: ServiceName, env: NodeJS.ProcessEnv): Instance {
    const instance: Instance = {
      name,
      service,
      env,
      logFile: join(this.logDir, `${name}.log`),
      child: null,
      startedAt: 0,
      logOffset: 0,
    };
    this.instances.push(instance);
    return instance;
  }

  get(name: string): Instance {
    const found = this.instances.find((i) => i.name === name);
    if (!found) throw new Error(`no instance ${name}`);
    return found;
  }

  start(instance: Instance): void {
    instance.logOffset = this.logText(instance).length;
    const fd = openSync(instance.logFile, 'a');
    const child = spawn(
      process.execPath,
      ['--enable-source-maps', join(this.root, `dist/apps/${instance.service}/src/main.js`)],
      { cwd: this.root, env: instance.env, stdio: ['ignore', fd, fd] },
    );
    closeSync(fd);
    instance.child = child;
    instance.startedAt = Date.now();
    child.on('exit', (code, signal) => {
      if (!this.stopping && !this.killed.has(child)) {
        this.unexpectedExits.push(`${instance.name} exited (${signal ?? code})`);
      }
    });
  }

  startAll(): void {
    for (const instance of this.instances) this.start(instance);
  }

  /** kill -9, and resolves once the process is gone. */
  async kill(instance: Instance): Promise<void> {
    const child = instance.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.killed.add(child);
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await gone;
  }

  /** What the current process of `instance` logged since it started. */
  currentLog(instance: Instance): string {
    return this.logText(instance).slice(instance.logOffset);
  }

  /** The gateways first (they tell routing their desks are gone), then the others; SIGKILL after 10 s. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    const stopOne = (c: ChildProcess | null) =>
      new Promise<void>((resolve) => {
        if (!c || c.exitCode !== null || c.signalCode !== null) return resolve();
        const kill = setTimeout(() => c.kill('SIGKILL'), 10_000);
        c.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        c.kill('SIGTERM');
      });
    const gateways = this.instances.filter((i) => i.service === 'gateway');
    await Promise.all(gateways.map((g) => stopOne(g.child)));
    await Promise.all(this.instances.filter((i) => i.service !== 'gateway').map((i) => stopOne(i.child)));
  }

  /** The last lines of every log, for a failure report. */
  tails(lines = 20): string {
    return this.instances
      .map((i) => {
        const tail = this.logText(i).trimEnd().split('\n').slice(-lines).join('\n  ');
        return `--- ${i.name} (${i.logFile})\n  ${tail}`;
      })
      .join('\n');
  }

  private logText(instance: Instance): string {
    try {
      return readFileSync(instance.logFile, 'utf8');
    } catch {
      return '';
    }
  }
}
