/**
 * Activity factories: each takes its dependencies explicitly so tests and the
 * worker bootstrap decide what is real. Activities are idempotent: running one
 * twice with the same input has the same effect as running it once.
 */

export interface ActivityDeps {
  /** The word a greeting starts with. */
  greeting?: string;
}

export function createActivities(deps: ActivityDeps = {}) {
  const greeting = deps.greeting ?? 'Hello';
  return {
    /** Pure: the smoke path that proves worker, server and client talk to each other. */
    async greet(name: string): Promise<string> {
      return `${greeting}, ${name}!`;
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
