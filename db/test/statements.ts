import { closeAppDb, reportStatements } from '../client';

export interface StatementCount<T> {
  value: T;
  /** Every statement the app's pool sent meanwhile, transaction control and tenant settings included. */
  statements: string[];
}

/** postgres.js reads the server's array types on each new connection: the pool's cost, not the caller's. */
const CONNECTION_SETUP = /from pg_catalog\.pg_type a\s+left join pg_catalog\.pg_type b on b\.oid = a\.typelem/;

let installed = false;
let recording: string[] | null = null;

/**
 * Counts the statements the application's pool sends while `fn` runs, to show that a list
 * query costs the same however many items it returns. Nothing else of the test may talk to
 * the database meanwhile: the count is of the pool, not of one caller.
 */
export async function countStatements<T>(fn: () => Promise<T>): Promise<StatementCount<T>> {
  if (!installed) {
    installed = true;
    reportStatements((s) => {
      if (!CONNECTION_SETUP.test(s)) recording?.push(s);
    });
    // The pool made before had no hook; the next one has.
    await closeAppDb();
  }
  if (recording) throw new Error('countStatements calls do not nest');
  const statements: string[] = [];
  recording = statements;
  try {
    return { value: await fn(), statements };
  } finally {
    recording = null;
  }
}
