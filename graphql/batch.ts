/**
 * Per-request batching for fields of list items (a model's aliases, its project…): every
 * key asked for under one name while the current operations settle is loaded by a single
 * call, and each key's answer is kept for the rest of the request.
 */
export type BatchLoad<K, V> = (keys: K[]) => Promise<Map<K, V>>;

export type Batch = <K, V>(name: string, key: K, load: BatchLoad<K, V>) => Promise<V | undefined>;

interface Queue {
  /** One waiter per key: a key asked for again gets the cached promise. */
  pending: Map<unknown, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>;
  load: BatchLoad<unknown, unknown>;
}

export function createBatch(): Batch {
  const cache = new Map<string, Map<unknown, Promise<unknown>>>();
  const queues = new Map<string, Queue>();

  const dispatch = (name: string) => {
    const queue = queues.get(name);
    queues.delete(name);
    if (!queue) return;
    const keys = [...queue.pending.keys()];
    queue.load(keys).then(
      (found) => {
        for (const [key, w] of queue.pending) w.resolve(found.get(key));
      },
      (err: unknown) => {
        // A failed load is not remembered: a later ask tries again.
        for (const key of keys) cache.get(name)?.delete(key);
        for (const w of queue.pending.values()) w.reject(err);
      },
    );
  };

  return <K, V>(name: string, key: K, load: BatchLoad<K, V>): Promise<V | undefined> => {
    let known = cache.get(name);
    if (!known) cache.set(name, (known = new Map()));
    const hit = known.get(key);
    if (hit) return hit as Promise<V | undefined>;
    let queue = queues.get(name);
    if (!queue) {
      queue = { pending: new Map(), load: load as BatchLoad<unknown, unknown> };
      queues.set(name, queue);
      // After the microtasks in flight: sibling resolvers that await first still join this batch.
      setImmediate(() => dispatch(name));
    }
    const q = queue;
    const promise = new Promise<V | undefined>((resolve, reject) => {
      q.pending.set(key, { resolve: resolve as (v: unknown) => void, reject });
    });
    known.set(key, promise);
    return promise;
  };
}
