/** Runs `fn` at most once per `ttlMs`, never more than one at a time, and waits for it at most `timeoutMs`. */
export class CachedCheck<T> {
  private value: T | null = null;
  private at = 0;
  private running: Promise<T> | null = null;

  constructor(
    private readonly fn: () => Promise<T>,
    private readonly fallback: (err: Error) => T,
    private readonly ttlMs: number,
    private readonly timeoutMs: number,
  ) {}

  /**
   * The cached value while fresh; else the running check (one at a time: a burst of probes makes one
   * query), bounded in time: past `timeoutMs` the caller gets `fallback` and the check goes on.
   */
  async get(now = Date.now()): Promise<T> {
    if (this.value !== null && now - this.at < this.ttlMs) return this.value;
    this.running ??= this.fn()
      .catch((err: Error) => this.fallback(err))
      .then((v) => {
        this.value = v;
        this.at = Date.now();
        return v;
      })
      .finally(() => (this.running = null));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<T>((resolve) => {
      timer = setTimeout(
        () => resolve(this.fallback(new Error(`no answer within ${this.timeoutMs} ms`))),
        this.timeoutMs,
      );
    });
    try {
      return await Promise.race([this.running, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
