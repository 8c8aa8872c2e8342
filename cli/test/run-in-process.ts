import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { Stdin } from '../command';
import { run } from '../main';

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
  /** URLs the command tried to fetch; usage errors must not reach the network. */
  requests: string[];
}

/**
 * Runs a command line in this process with a throwaway config location and a stdin
 * that is not a terminal. `fetch` only records, so a test can prove nothing was sent.
 */
export async function runInProcess(argv: string[], opts: { env?: Record<string, string>; stdin?: string } = {}): Promise<Captured> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'gantry-cli-home-'));
  let stdout = '';
  let stderr = '';
  const requests: string[] = [];
  const stdin = new PassThrough() as PassThrough & Stdin;
  stdin.end(opts.stdin ?? '');
  let code: number;
  try {
    code = await run(argv, {
    env: { GANTRY_CONFIG: path.join(home, 'gantry', 'config.json'), ...opts.env },
    home,
    stdin,
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    fetch: async (input) => {
      requests.push(String(input));
      throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    },
    });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  return { code, stdout, stderr, requests };
}
