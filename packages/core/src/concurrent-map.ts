/**
 * An RxJS operator that maps each value with a function returning a value, `null` (skip) or a promise
 * of either, with at most `concurrency` promises pending. Synchronous results go straight through:
 * `mergeMap` would allocate an inner subscription per record, which dominated the core's profile.
 */
import { Observable, type OperatorFunction } from 'rxjs';

export function concurrentMap<T, R>(
  project: (value: T) => R | null | Promise<R | null>,
  concurrency: number,
): OperatorFunction<T, R> {
  return (source) =>
    new Observable<R>((subscriber) => {
      let active = 0;
      let sourceDone = false;
      const queue: T[] = [];
      const emit = (result: R | null) => {
        if (result !== null) subscriber.next(result);
      };
      const maybeComplete = () => {
        if (sourceDone && active === 0 && queue.length === 0) subscriber.complete();
      };
      const run = (value: T) => {
        let result: R | null | Promise<R | null>;
        try {
          result = project(value);
        } catch (error) {
          subscriber.error(error);
          return;
        }
        if (!(result instanceof Promise)) {
          emit(result);
          return;
        }
        active++;
        result.then(
          (out) => {
            active--;
            if (subscriber.closed) return;
            emit(out);
            while (active < concurrency && queue.length > 0) run(queue.shift() as T);
            maybeComplete();
          },
          (error: unknown) => {
            active--;
            subscriber.error(error);
          },
        );
      };
      const subscription = source.subscribe({
        next(value) {
          if (active >= concurrency) queue.push(value);
          else run(value);
        },
        error(error) {
          subscriber.error(error);
        },
        complete() {
          sourceDone = true;
          maybeComplete();
        },
      });
      return () => subscription.unsubscribe();
    });
}
