import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { supervisorCommand } from './local-supervisor-entry';

const dir = mkdtempSync(path.join(os.tmpdir(), 'gantry-supervisor-entry-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('supervisorCommand', () => {
  it('bundles the supervisor once into the cache directory, owner-only, and starts it with plain node', async () => {
    const cache = path.join(dir, 'cache');
    const first = await supervisorCommand(cache);
    expect(first.via).toBe('bundle');
    expect(first.args).toHaveLength(1);
    const file = first.args[0]!;
    expect(path.dirname(file)).toBe(cache);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await supervisorCommand(cache)).toEqual(first);
    expect(readdirSync(cache)).toEqual([path.basename(file)]);
    // The bundle runs on its own: without a job directory it says so and exits non-zero.
    let failure = '';
    try {
      execFileSync(process.execPath, [file, path.join(dir, 'no-such-job'), path.join(dir, 'no-such-prepared')], { stdio: 'pipe', timeout: 20_000 });
    } catch (e) {
      failure = String((e as { stderr?: Buffer }).stderr ?? e);
    }
    expect(failure).not.toBe('');
    expect(failure).not.toMatch(/Cannot find module|ERR_MODULE_NOT_FOUND|SyntaxError/);
  });

  it('falls back to tsx where the bundle cannot be written', async () => {
    const blocked = path.join(dir, 'blocked');
    writeFileSync(blocked, 'a file where the cache directory would be');
    chmodSync(blocked, 0o400);
    const command = await supervisorCommand(path.join(blocked, 'cache'));
    expect(command.via).toBe('tsx');
    expect(command.args[0]).toBe('--import');
    expect(command.args.at(-1)).toMatch(/local-supervisor\.ts$/);
  });
});
