import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { canConnect, sleep } from './net';
import { spawnManaged } from './processes';
import { defaultToolsDir } from './temporal-binary';
import { findOrBuildGoTool, reportsItself, type GoTool } from './tool-files';

/**
 * MinIO, a real S3-compatible server, for testing the S3 artifact store over HTTP.
 * MinIO publishes RELEASE tags that are not Go semver, so the module is pinned to
 * the pseudo-version of a commit on its default branch.
 */
export const MINIO_MODULE = 'github.com/minio/minio';
export const MINIO_VERSION = 'v0.0.0-20260212201848-7aac2a2c5b7c';

const MINIO: GoTool = {
  name: 'minio',
  envVar: 'MINIO_PATH',
  module: MINIO_MODULE,
  version: MINIO_VERSION,
  check: (file) => reportsItself(file, ['--version'], /^minio version/m),
};

/**
 * A MinIO server binary: `MINIO_PATH`, `minio` on PATH, one built earlier into the tools
 * dir (`~/.gantry-tools/bin`), or a fresh `go install` of the pinned version. Returns
 * null (with the reason) when none is possible, so a caller can decide what that means.
 */
export async function findOrBuildMinio(opts: { toolsDir?: string; log?: (l: string) => void } = {}): Promise<{ binary: string } | { binary: null; reason: string }> {
  return findOrBuildGoTool(MINIO, { toolsDir: path.resolve(opts.toolsDir ?? defaultToolsDir()), log: opts.log ?? ((l: string) => console.log(l)) });
}

export interface MinioServer {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  stop(): Promise<void>;
}

/** Starts `minio server` on a data directory and resolves once its readiness probe answers. */
export async function startMinio(opts: { binary: string; dataDir: string; port: number; consolePort: number; timeoutMs?: number }): Promise<MinioServer> {
  const accessKeyId = 'gantry-test';
  const secretAccessKey = 'gantry-test-secret-key';
  mkdirSync(opts.dataDir, { recursive: true });
  const child = spawnManaged('minio', opts.binary, ['server', opts.dataDir, '--address', `127.0.0.1:${opts.port}`, '--console-address', `127.0.0.1:${opts.consolePort}`, '--quiet'], {
    env: { ...process.env, MINIO_ROOT_USER: accessKeyId, MINIO_ROOT_PASSWORD: secretAccessKey, MINIO_BROWSER: 'off', MINIO_UPDATE: 'off' },
  });
  const endpoint = `http://127.0.0.1:${opts.port}`;
  const stop = async () => {
    await child.stop({ signal: 'SIGTERM', timeoutMs: 10_000 });
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  try {
    for (;;) {
      if (child.hasExited()) throw new Error(`minio exited during startup:\n${child.tail()}`);
      if (await canConnect(opts.port, '127.0.0.1', 500)) {
        const r = await fetch(`${endpoint}/minio/health/ready`).catch(() => null);
        if (r?.ok) break;
      }
      if (Date.now() > deadline) throw new Error(`minio did not become ready on ${endpoint}:\n${child.tail()}`);
      await sleep(200);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { endpoint, accessKeyId, secretAccessKey, stop };
}
