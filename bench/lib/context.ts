import type postgres from 'postgres';
import type { TenantContext } from '../../core/tenancy/context';
import type { Ratio, Row } from './report';
import type { HttpServer } from './servers';

export interface Bench {
  scale: number;
  /** Scale of the parts that write through the mlflow server (slow; see bench/README.md). */
  mlflowScale: number;
  /** In-process callers of the core use cases, and COPY streams. */
  concurrency: number;
  /** mlflow client processes, against either server. */
  clientProcesses: number;
  /** Worker processes of the mlflow server. */
  mlflowWorkers: number;
  /** Owner (superuser) connection to Gantry's bench database: setup and the COPY baseline. */
  owner: postgres.Sql;
  /** The bench PostgreSQL's postmaster (for CPU accounting). */
  pgPid?: number;
  /** Owner connection to the mlflow server's database, when it runs. */
  mlflowDb?: postgres.Sql;
  ctx: TenantContext;
  apiKey: string;
  gantryHttp?: HttpServer;
  mlflow?: HttpServer;
  /** Why the mlflow baseline is missing, when it is. */
  mlflowMissing?: string;
  rows: Row[];
  ratios: Ratio[];
  notes: string[];
  results: Record<string, unknown>;
  log(message: string): void;
}

/** Runs `jobs` with at most `n` in flight. */
export async function parallel<T>(items: T[], n: number, fn: (item: T, worker: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async (_, w) => {
      while (next < items.length) {
        const item = items[next++]!;
        await fn(item, w);
      }
    }),
  );
}

/** The same deterministic series everywhere (Gantry, COPY and the Python client use this formula). */
export const pointValue = (run: number, metric: number, step: number) => Math.sin(step / 50 + metric) * Math.exp(-step / 2000) + run * 1e-3;
export const BASE_TS = 1_700_000_000_000;
