/**
 * Merges async iterables into one, pull-based: each input has at most one `next()` outstanding and
 * is asked for its following item only after the current one was handed downstream, so the merged
 * stream keeps the backpressure of its inputs (the core pulls only when it has room).
 */
export async function* mergeAsyncIterables<T>(sources: ReadonlyArray<AsyncIterable<T>>): AsyncGenerator<T> {
  const iterators = sources.map((s) => s[Symbol.asyncIterator]());
  const pending = new Map<number, Promise<{ index: number; result: IteratorResult<T> }>>();
  const pull = (index: number) => {
    const iterator = iterators[index] as AsyncIterator<T>;
    pending.set(
      index,
      iterator.next().then((result) => ({ index, result })),
    );
  };
  for (let index = 0; index < iterators.length; index++) pull(index);
  try {
    while (pending.size > 0) {
      const { index, result } = await Promise.race(pending.values());
      if (result.done) {
        pending.delete(index);
        continue;
      }
      yield result.value;
      pull(index);
    }
  } finally {
    // Not awaited: an input blocked in a wait only returns once its own signal fires.
    for (const [index] of pending) void Promise.resolve(iterators[index]?.return?.()).catch(() => undefined);
  }
}
