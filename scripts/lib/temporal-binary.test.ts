import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../testing/wait-for';
import { isAlive } from './processes';
import { findOrBuildTemporal, isAbortError, TEMPORAL_CLI_MODULE, TEMPORAL_CLI_VERSION } from './temporal-binary';

/**
 * How the launcher and the test runner find the Temporal CLI. The executables here are small
 * shell scripts standing in for `temporal` and `go`; the code under test is the real one.
 */

let dir: string;
const saved = { PATH: process.env.PATH, TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH };

function executable(file: string, body: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}
const fakeTemporal = (file: string) => executable(file, 'echo "temporal version 1.5.1 (Server 1.29.1, UI 2.40.1)"');

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'gantry-temporal-bin-'));
  delete process.env.TEMPORAL_CLI_PATH;
  // Only the test's own bin dir and the basic system tools: no real `temporal` or `go`.
  process.env.PATH = [path.join(dir, 'bin'), '/usr/bin', '/bin'].join(path.delimiter);
});

afterEach(() => {
  process.env.PATH = saved.PATH;
  if (saved.TEMPORAL_CLI_PATH === undefined) delete process.env.TEMPORAL_CLI_PATH;
  else process.env.TEMPORAL_CLI_PATH = saved.TEMPORAL_CLI_PATH;
  rmSync(dir, { recursive: true, force: true });
});

const quiet = { log: () => {}, allowDownload: false } as const;

describe('findOrBuildTemporal', () => {
  it('takes TEMPORAL_CLI_PATH first, and refuses one that is not the Temporal CLI', async () => {
    const explicit = fakeTemporal(path.join(dir, 'elsewhere', 'temporal'));
    fakeTemporal(path.join(dir, 'bin', 'temporal'));
    process.env.TEMPORAL_CLI_PATH = explicit;
    expect(await findOrBuildTemporal({ ...quiet, toolsDir: path.join(dir, 'tools') })).toBe(explicit);

    process.env.TEMPORAL_CLI_PATH = executable(path.join(dir, 'not-temporal'), 'echo "something else 1.0"');
    await expect(findOrBuildTemporal({ ...quiet, toolsDir: path.join(dir, 'tools') })).rejects.toThrow(
      /TEMPORAL_CLI_PATH=.*not-temporal is not a working Temporal CLI/,
    );
  });

  it('then a `temporal` on PATH, skipping a different program of that name', async () => {
    const onPath = fakeTemporal(path.join(dir, 'bin', 'temporal'));
    expect(await findOrBuildTemporal({ ...quiet, toolsDir: path.join(dir, 'tools') })).toBe(onPath);

    executable(onPath, 'echo "temporal: a different tool"');
    const built = fakeTemporal(path.join(dir, 'tools', 'temporal'));
    expect(await findOrBuildTemporal({ ...quiet, toolsDir: path.join(dir, 'tools') })).toBe(built);
  });

  it('builds the pinned version with Go into the tools dir once, then reuses it', async () => {
    const toolsDir = path.join(dir, 'tools');
    const calls = path.join(dir, 'go-calls');
    // A `go` that installs like the real one: writes the binary into $GOBIN.
    executable(
      path.join(dir, 'bin', 'go'),
      [
        'if [ "$1" = env ]; then echo go1.26.0; exit 0; fi',
        `echo "$@ GOBIN=$GOBIN CGO_ENABLED=$CGO_ENABLED" >> ${calls}`,
        'printf \'#!/bin/sh\\necho "temporal version 1.5.1"\\n\' > "$GOBIN/temporal"',
        'chmod +x "$GOBIN/temporal"',
      ].join('\n'),
    );
    const lines: string[] = [];
    const first = await findOrBuildTemporal({ toolsDir, allowDownload: false, log: (l) => lines.push(l) });
    expect(first).toBe(path.join(toolsDir, 'temporal'));
    expect(readFileSync(calls, 'utf8').trim()).toBe(`install -v ${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION} GOBIN=${toolsDir} CGO_ENABLED=0`);
    expect(lines.join('\n')).toMatch(/Building the Temporal CLI v1\.5\.1 with Go/);

    expect(await findOrBuildTemporal({ toolsDir, allowDownload: false, log: () => {} })).toBe(first);
    expect(readFileSync(calls, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('says what to do when nothing works, with what was tried and the failed build output', async () => {
    executable(
      path.join(dir, 'bin', 'go'),
      ['if [ "$1" = env ]; then echo go1.26.0; exit 0; fi', 'echo "go: module lookup disabled by GOPROXY=off" >&2', 'exit 1'].join('\n'),
    );
    const err = await findOrBuildTemporal({ ...quiet, toolsDir: path.join(dir, 'tools') }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toContain('Gantry needs the Temporal CLI');
    expect(message).toContain('set TEMPORAL_CLI_PATH');
    expect(message).toContain('TEMPORAL_ADDRESS=host:port');
    expect(message).toContain('no `temporal` on PATH');
    expect(message).toMatch(/building with .*go failed: .*module lookup disabled/s);
    expect(message).toContain(`full log: ${path.join(dir, 'tools', 'temporal-build.log')}`.replace('full', 'Full'));
  });

  it('reports what go is doing while it builds, and names the build process', async () => {
    const toolsDir = path.join(dir, 'tools');
    // Prints what `go install -v` prints (downloads, then one import path per compiled package), slowly.
    executable(
      path.join(dir, 'bin', 'go'),
      [
        'if [ "$1" = env ]; then echo go1.26.0; exit 0; fi',
        'echo "go: downloading go.temporal.io/server v1.29.1" >&2',
        'sleep 0.3',
        'echo "internal/abi"; echo "google.golang.org/grpc"',
        'sleep 0.6',
        'printf \'#!/bin/sh\\necho "temporal version 1.5.1"\\n\' > "$GOBIN/temporal"',
        'chmod +x "$GOBIN/temporal"',
      ].join('\n'),
    );
    const lines: string[] = [];
    const builds: { pid: number; ours: boolean }[] = [];
    const binary = await findOrBuildTemporal({ toolsDir, allowDownload: false, progressEveryMs: 100, log: (l) => lines.push(l), onBuildStart: (b) => builds.push(b) });
    expect(binary).toBe(path.join(toolsDir, 'temporal'));
    expect(builds).toEqual([{ pid: expect.any(Number) as number, ours: true }]);
    const progress = lines.filter((l) => l.startsWith('Building the Temporal CLI… '));
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatch(/^Building the Temporal CLI… \d+s \(compiling: 2 packages so far, now google\.golang\.org\/grpc\)$/);
    expect(readFileSync(path.join(toolsDir, 'temporal-build.log'), 'utf8')).toContain('go: downloading go.temporal.io/server');
  });

  it('stops a build when told to: the go process and what it started are gone, and nothing is left half-built', async () => {
    const toolsDir = path.join(dir, 'tools');
    const pids = path.join(dir, 'pids');
    // A `go` that starts a compiler-like child and waits for it, as `go install` does.
    executable(
      path.join(dir, 'bin', 'go'),
      ['if [ "$1" = env ]; then echo go1.26.0; exit 0; fi', 'sleep 600 &', `echo "$$ $!" > ${pids}`, 'wait'].join('\n'),
    );
    const stop = new AbortController();
    const building = findOrBuildTemporal({ toolsDir, allowDownload: false, log: () => {}, signal: stop.signal });
    await waitFor('the build to start', async () => existsSync(pids) && readFileSync(pids, 'utf8').trim().split(' ').length === 2);
    const [goPid, childPid] = readFileSync(pids, 'utf8').trim().split(' ').map(Number) as [number, number];
    expect(isAlive(goPid) && isAlive(childPid)).toBe(true);
    stop.abort();
    const err = await building.catch((e: unknown) => e);
    expect(isAbortError(err)).toBe(true);
    expect([goPid, childPid].filter(isAlive)).toEqual([]);
    expect(existsSync(path.join(toolsDir, '.temporal-build.lock'))).toBe(false);
    expect(existsSync(path.join(toolsDir, 'temporal'))).toBe(false);
  });

  it('stops waiting for another process\'s build when told to', async () => {
    const toolsDir = path.join(dir, 'tools');
    executable(path.join(dir, 'bin', 'go'), 'if [ "$1" = env ]; then echo go1.26.0; exit 0; fi\nexit 1');
    // This test process holds the build lock, as a second Gantry building at the same moment would.
    mkdirSync(path.join(toolsDir, '.temporal-build.lock'), { recursive: true });
    writeFileSync(path.join(toolsDir, '.temporal-build.lock', 'pid'), String(process.pid));
    const stop = new AbortController();
    const builds: { pid: number; ours: boolean }[] = [];
    const waiting = findOrBuildTemporal({ toolsDir, allowDownload: false, log: () => {}, signal: stop.signal, onBuildStart: (b) => builds.push(b) });
    await waitFor('the wait for the other build', async () => builds.length > 0);
    expect(builds).toEqual([{ pid: process.pid, ours: false }]);
    stop.abort();
    expect(isAbortError(await waiting.catch((e: unknown) => e))).toBe(true);
  });
});
