/**
 * Reads ahead of a slow consumer: while the consumer works on one item, the next `depth`
 * items are already being produced. Memory grows by at most `depth` items.
 */
export async function* prefetch<T>(source: AsyncIterable<T>, depth = 1): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  const ahead: Promise<IteratorResult<T>>[] = [];
  const fill = (): void => {
    while (ahead.length < depth + 1) {
      const next = iterator.next();
      next.catch(() => undefined);
      ahead.push(next);
    }
  };
  try {
    for (;;) {
      fill();
      const result = await ahead.shift()!;
      if (result.done) return;
      yield result.value;
    }
  } finally {
    await iterator.return?.();
  }
}
