import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type { WorkflowHandle } from '@temporalio/client';
import type { History } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { WORKFLOWS_PATH } from './worker';

// Loaded through Node's own require: a bundler's copy of protobufjs would not know the SDK's proto types.
const { historyFromJSON, historyToJSON } = createRequire(import.meta.url)('@temporalio/common/lib/proto-utils') as typeof import('@temporalio/common/lib/proto-utils');

/**
 * Recorded workflow histories, committed under workflows/histories/. Replaying
 * them against the current workflow code (workers/replay.test.ts) catches a change
 * that would break workflows already running. Re-record with
 * `GANTRY_RECORD_HISTORIES=1 npx vitest run workers/training-job.test.ts workers/training-kubernetes.test.ts workers/evaluation-retraining.test.ts workers/canary-rollout.test.ts
 * workers/serving-kubernetes.test.ts workers/cost-watch.test.ts`.
 */
export const HISTORIES_DIR = fileURLToPath(new URL('../workflows/histories/', import.meta.url));

export function recordHistory(name: string, history: History): void {
  mkdirSync(HISTORIES_DIR, { recursive: true });
  writeFileSync(path.join(HISTORIES_DIR, `${name}.json`), `${historyToJSON(history)}\n`);
}

export function recordedHistories(): { workflowId: string; history: History }[] {
  return readdirSync(HISTORIES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ workflowId: f.replace(/\.json$/, ''), history: historyFromJSON(JSON.parse(readFileSync(path.join(HISTORIES_DIR, f), 'utf8'))) }));
}

/**
 * Replays the histories of workflows a test ran against the current workflow code, first recording
 * each as `<label>.json` when GANTRY_RECORD_HISTORIES=1. Gives each replay's error, undefined when it replayed.
 */
export async function replayRuns(runs: { label: string; handle: WorkflowHandle }[], replayName: string): Promise<{ workflowId: string; error: unknown }[]> {
  const histories = await Promise.all(runs.map(async ({ handle }) => ({ workflowId: handle.workflowId, history: await handle.fetchHistory() })));
  if (process.env.GANTRY_RECORD_HISTORIES === '1') runs.forEach(({ label }, i) => recordHistory(label, histories[i]!.history));
  const results: { workflowId: string; error: unknown }[] = [];
  for await (const r of Worker.runReplayHistories({ workflowsPath: WORKFLOWS_PATH, replayName }, histories)) results.push({ workflowId: r.workflowId, error: r.error });
  return results;
}
