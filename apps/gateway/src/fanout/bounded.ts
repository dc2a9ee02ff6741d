/** Keeps at most `limit` entries, forgetting the least recently written. */
export class Bounded<V> {
  private readonly map = new Map<string, V>();
  constructor(
    private readonly limit: number,
    private readonly evicted: (key: string, value: V) => void = () => undefined,
  ) {}
  get(key: string): V | undefined {
    return this.map.get(key);
  }
  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.limit) {
      const [oldest, value] = this.map.entries().next().value!;
      this.map.delete(oldest);
      this.evicted(oldest, value);
    }
  }
  delete(key: string): void {
    this.map.delete(key);
  }
  get size(): number {
    return this.map.size;
  }
}
