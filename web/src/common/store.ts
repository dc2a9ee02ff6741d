import { useEffect, useRef, useState } from 'preact/hooks';

/** A tiny observable state: components subscribe to a slice and re-render only when it changes. */
export class Store<S> {
  private readonly listeners = new Set<() => void>();

  constructor(private state: S) {}

  get(): S {
    return this.state;
  }

  update(change: (s: S) => S): void {
    const next = change(this.state);
    if (next === this.state) return;
    this.state = next;
    this.listeners.forEach((l) => l());
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The slice `select` picks; the component re-renders only when that slice is a different value. */
export function useSlice<S, T>(store: Store<S>, select: (s: S) => T): T {
  const [value, setValue] = useState(() => select(store.get()));
  const selectRef = useRef(select);
  selectRef.current = select;
  useEffect(() => {
    const check = () => setValue(() => selectRef.current(store.get()));
    check();
    return store.subscribe(check);
  }, [store]);
  return value;
}
