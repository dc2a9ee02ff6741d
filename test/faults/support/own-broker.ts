import { execFile, execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A broker of the fault suite's own (scripts/kafka/kafka.sh on other ports and a data dir of its
 * own), so it can be killed without touching the shared one on 9092. Restarting keeps its data.
 */
export class OwnBroker {
  private readonly env: NodeJS.ProcessEnv;
  private readonly script: string;

  constructor(
    root: string,
    readonly port: number,
    controllerPort: number,
    private readonly dataDir: string,
  ) {
    this.script = join(root, 'scripts/kafka/kafka.sh');
    this.env = {
      ...process.env,
      KAFKA_PORT: String(port),
      KAFKA_CONTROLLER_PORT: String(controllerPort),
      KAFKA_DATA_DIR: dataDir,
      KAFKA_HEAP: process.env.FAULTS_KAFKA_HEAP ?? '-Xms128m -Xmx512m',
    };
  }

  get brokers(): string[] {
    return [`127.0.0.1:${this.port}`];
  }

  /** Starts it (fresh the first time); resolves once it accepts connections (kafka.sh waits for that). */
  async start(fresh: boolean): Promise<void> {
    const env = { ...this.env, ...(fresh ? { KAFKA_FRESH: '1' } : {}) };
    const out = await new Promise<string>((resolve, reject) =>
      execFile('bash', [this.script, 'start'], { env, encoding: 'utf8' }, (err, stdout, stderr) =>
        err ? reject(new Error(`kafka.sh start failed: ${stderr.slice(-2000)}`)) : resolve(stdout),
      ),
    );
    if (!out.startsWith('started')) {
      throw new Error(`expected kafka.sh to start a broker on ${this.port}, it said: ${out.trim()}`);
    }
  }

  /** The broker JVM's pid (from kafka.sh's pid file), or null when it does not run. */
  pid(): number | null {
    try {
      const status = this.run('status');
      return Number(/\bpid (\d+)/.exec(status)?.[1]) || null;
    } catch {
      return null;
    }
  }

  /** kill -9 the JVM and wait until it is gone. */
  async kill(): Promise<void> {
    const pid = this.pid();
    if (!pid) throw new Error('no broker to kill');
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 200; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`broker pid ${pid} still alive after kill -9`);
  }

  /** Stops it (if it runs) and removes its data. */
  destroy(): void {
    try {
      this.run('stop');
    } finally {
      rmSync(this.dataDir, { recursive: true, force: true });
      rmSync(`${this.dataDir}.lock`, { force: true });
    }
  }

  private run(command: string, extra: NodeJS.ProcessEnv = {}): string {
    return execFileSync('bash', [this.script, command], {
      env: { ...this.env, ...extra },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }
}
