import { backendJobName, type BackendJobSpec, type BackendJobStatus, type ComputeBackend, type LogChunk } from '../core/compute/compute-backend';
import { expect } from 'vitest';
import { AppError } from '../core/errors';
import { newId } from '../core/ids';

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

/** A training container's spec for a Kubernetes backend, with fresh IDs and a credential to keep in a Secret. */
export function kubernetesJobSpec(overrides: Partial<Omit<BackendJobSpec, 'resources'>> & { resources?: Partial<BackendJobSpec['resources']> } = {}): BackendJobSpec {
  const jobId = overrides.jobId ?? newId('job');
  const attempt = overrides.attempt ?? 1;
  return {
    name: backendJobName(jobId, attempt),
    jobId,
    attempt,
    orgId: newId('org'),
    teamId: newId('team'),
    projectId: newId('project'),
    runId: newId('run'),
    image: 'ghcr.io/acme/trainer:1.0',
    command: ['python', 'train.py'],
    args: ['--epochs', '3'],
    env: { GANTRY_RUN_ID: 'run_x', MLFLOW_TRACKING_URI: 'https://gantry.example.com/api/mlflow' },
    secretEnv: { MLFLOW_TRACKING_TOKEN: 'gty_test_run_key' },
    maxRuntimeSeconds: 3600,
    ...overrides,
    resources: { cpu: 2, memoryMiB: 4096, gpuCount: 0, gpuType: null, ...overrides.resources },
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

/** The coded error a call rejects with (and fails the test when it resolves or throws something else). */
export async function rejection(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}
