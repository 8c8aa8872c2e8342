import type { BackendJobSpec, BackendJobStatus, ComputeBackend, LogChunk } from '../core/compute/compute-backend';

/** A backend job spec with small defaults (1 CPU, 256 MiB, a minute), for tests that drive a backend directly. */
export function backendJobSpec(name: string, ids: { jobId: string; runId: string }, command: string[], overrides: Partial<BackendJobSpec> = {}): BackendJobSpec {
  return {
    name,
    jobId: ids.jobId,
    attempt: 1,
    orgId: 'org_test',
    teamId: 'team_test',
    projectId: 'prj_test',
    runId: ids.runId,
    image: 'python:3.11-slim',
    command,
    args: [],
    env: {},
    secretEnv: {},
    resources: { cpu: 1, memoryMiB: 256, gpuCount: 0, gpuType: null },
    maxRuntimeSeconds: 60,
    ...overrides,
  };
}

/** Polls the backend until the job's status satisfies `ok`; fails with the last status seen. */
export async function waitForJob(backend: ComputeBackend, name: string, ok: (s: BackendJobStatus) => boolean, timeoutMs = 30_000): Promise<BackendJobStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: BackendJobStatus | null = null;
  while (Date.now() < deadline) {
    last = await backend.status(name);
    if (last && ok(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${name} did not reach the expected state; last: ${JSON.stringify(last)}`);
}

/** The job's whole log so far, read chunk by chunk from offset 0. */
export async function wholeLog(backend: { logs(name: string, offset: number, maxBytes?: number): Promise<LogChunk> }, name: string, maxBytes?: number): Promise<string> {
  let text = '';
  let offset = 0;
  for (;;) {
    const chunk = await backend.logs(name, offset, maxBytes);
    if (!chunk.text) return text;
    text += chunk.text;
    offset = chunk.nextOffset;
  }
}
