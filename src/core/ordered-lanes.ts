/**
 * Runs producers on a few lanes at once (one database connection each, say) and hands their
 * items on strictly in producer order. The producer whose items are wanted now keeps at most
 * one item ready; producers further ahead may buffer up to `budget` (measured by `sizeOf`, plus
 * at most one item each over it) and then wait, so memory stays bounded however large a
 * producer's output. A failure stops every lane and is thrown to the consumer.
 */
export interface OrderedLanesOptions<T> {
  readonly lanes: number;
  readonly budget: number;
  readonly sizeOf: (item: T) => number;
}

interface Slot<T> {
  readonly items: T[];
  done: boolean;
}

export async function* inOrder<T>(producers: readonly ((lane: number) => AsyncIterable<T>)[], options: OrderedLanesOptions<T>): AsyncGenerator<T> {
  const slots: Slot<T>[] = producers.map(() => ({ items: [], done: false }));
  let current = 0;
  let buffered = 0;
  let next = 0;
  let failure: { readonly error: unknown } | undefined;
  let stopped = false;
  /** Wakes everyone waiting: the consumer for an item, producers for room. */
  let wake: () => void = () => undefined;
  let changed = new Promise<void>((resolve) => (wake = resolve));
  const signal = (): void => {
    const resolve = wake;
    changed = new Promise<void>((r) => (wake = r));
    resolve();
  };

  const mayProduce = (index: number): boolean => (index === current ? slots[index]!.items.length < 1 : buffered < options.budget);

  async function lane(number: number): Promise<void> {
    while (!stopped && !failure && next < producers.length) {
      const index = next++;
      const slot = slots[index]!;
      try {
        for await (const item of producers[index]!(number)) {
          slot.items.push(item);
          if (index !== current) buffered += options.sizeOf(item);
          signal();
          while (!stopped && !failure && !mayProduce(index)) await changed;
          if (stopped || failure) return;
        }
      } catch (error) {
        failure ??= { error };
      }
      slot.done = true;
      signal();
    }
  }

  const running = Promise.all(Array.from({ length: Math.max(1, Math.min(options.lanes, producers.length)) }, (_, i) => lane(i)));
  try {
    for (; current < producers.length; current++) {
      const slot = slots[current]!;
      // Items this producer buffered while it was ahead no longer count against the budget.
      for (const item of slot.items) buffered -= options.sizeOf(item);
      signal();
      for (;;) {
        if (failure) throw failure.error;
        const item = slot.items.shift();
        if (item !== undefined) {
          signal();
          yield item;
          continue;
        }
        if (slot.done) break;
        await changed;
      }
    }
    if (failure) throw failure.error;
  } finally {
    stopped = true;
    signal();
    await running;
  }
}
