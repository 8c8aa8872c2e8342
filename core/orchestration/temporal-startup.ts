import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { env } from '../../config/env';
import { formatElapsed } from '../../rules/elapsed';

/**
 * What the launcher (`scripts/run.ts`) says about the Temporal it is bringing up. The web app
 * starts before Temporal does (on a fresh machine the Temporal CLI is still being built), so the
 * launcher keeps this report in `$GANTRY_HOME/temporal-startup.json` until Temporal and the
 * worker are up. Health, the UI and a refused mutation read it to say "still starting" rather
 * than "unreachable". A report counts only while the launcher that wrote it is alive; a process
 * not started by the launcher finds none and judges Temporal by whether it answers.
 */
export const TEMPORAL_STARTUP_STATES = ['starting', 'building', 'ready', 'failed'] as const;
export type TemporalStartupState = (typeof TEMPORAL_STARTUP_STATES)[number];

const reportSchema = z.object({
  launcherPid: z.number().int().positive(),
  state: z.enum(TEMPORAL_STARTUP_STATES),
  /** When this state began (ISO 8601). */
  since: z.string(),
  /** What is happening now, or why it failed; one line, safe to show. */
  detail: z.string().optional(),
});
export type TemporalStartup = z.infer<typeof reportSchema>;

const FILE = 'temporal-startup.json';

export function temporalStartupFile(home: string): string {
  return path.join(path.resolve(home), FILE);
}

/** Replaces the report (write then rename, so a reader never sees half of it). */
export function writeTemporalStartup(home: string, report: Omit<TemporalStartup, 'launcherPid' | 'since'> & { since?: Date }): void {
  const file = temporalStartupFile(home);
  const body: TemporalStartup = {
    launcherPid: process.pid,
    state: report.state,
    since: (report.since ?? new Date()).toISOString(),
    ...(report.detail ? { detail: report.detail } : {}),
  };
  writeFileSync(`${file}.tmp`, `${JSON.stringify(body)}\n`);
  renameSync(`${file}.tmp`, file);
}

export function clearTemporalStartup(home: string): void {
  rmSync(temporalStartupFile(home), { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let cache: { at: number; file: string; report: TemporalStartup | undefined } | undefined;

/** The live launcher's report, if there is one (read at most once a second). */
export function readTemporalStartup(home: string = env().GANTRY_HOME): TemporalStartup | undefined {
  const file = temporalStartupFile(home);
  const now = Date.now();
  if (cache && cache.file === file && now - cache.at < 1000) return cache.report;
  let report: TemporalStartup | undefined;
  try {
    const parsed = reportSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (parsed.success && alive(parsed.data.launcherPid)) report = parsed.data;
  } catch {
    // No launcher report: Temporal is judged by whether it answers.
  }
  cache = { at: now, file, report };
  return report;
}

/** The launcher's report while Temporal is not up yet (or failed to come up); undefined otherwise. */
export function temporalPending(): TemporalStartup | undefined {
  const report = readTemporalStartup();
  return report && report.state !== 'ready' ? report : undefined;
}

function elapsed(since: string): string {
  return formatElapsed(Date.now() - Date.parse(since));
}

/** What a caller of a feature that needs Temporal is told while it is not up. */
export function temporalPendingMessage(report: TemporalStartup): string {
  const features = 'Training jobs, evaluations and retraining switch on by themselves once it is up';
  switch (report.state) {
    case 'building':
      return `Temporal is still starting: the Temporal CLI is being built (${elapsed(report.since)} so far). ${features}; try again in a few minutes.`;
    case 'failed':
      return `Temporal could not be started${report.detail ? ` (${report.detail})` : ''}. Training jobs, evaluations and retraining need it; the output of the Gantry command says what to do.`;
    default:
      return `Temporal is still starting${report.detail ? ` (${report.detail})` : ''}. ${features}; try again in a moment.`;
  }
}
