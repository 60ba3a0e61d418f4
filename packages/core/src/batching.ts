/**
 * Sink batching as an RxJS operator: a batch is emitted when it reaches `maxRecords` records or
 * `maxBytes` bytes, or `maxMs` after its first record arrived, whichever comes first, and whatever is
 * left when the input completes. Memory stays bounded because the pipeline caps records in flight.
 */
import { Observable, type OperatorFunction } from 'rxjs';
import type { BatchOptions } from './pipeline.js';

export function batchRecords<T>(options: BatchOptions, sizeOf: (item: T) => number): OperatorFunction<T, T[]> {
  return (source) =>
    new Observable<T[]>((subscriber) => {
      let batch: T[] = [];
      let bytes = 0;
      let timer: NodeJS.Timeout | undefined;
      const flush = () => {
        if (timer) {
          clearTimeout(timer);
          timer = undefined;
        }
        if (batch.length === 0) return;
        const out = batch;
        batch = [];
        bytes = 0;
        subscriber.next(out);
      };
      const subscription = source.subscribe({
        next(item) {
          batch.push(item);
          bytes += sizeOf(item);
          if (batch.length >= options.maxRecords || bytes >= options.maxBytes) flush();
          else if (!timer) timer = setTimeout(flush, options.maxMs);
        },
        error(error) {
          if (timer) clearTimeout(timer);
          subscriber.error(error);
        },
        complete() {
          flush();
          subscriber.complete();
        },
      });
      return () => {
        if (timer) clearTimeout(timer);
        subscription.unsubscribe();
      };
    });
}
