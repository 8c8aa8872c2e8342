import { execFile, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatElapsed } from '../../rules/elapsed';
import { defaultToolsDir } from './temporal-binary';
import { goBinary, isExecutableFile, onFirstCall, withToolLock } from './tool-files';

/**
 * A real Kubernetes control plane for the tests: etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler, kubectl and KWOK (which plays the kubelets of fake nodes), built from the Go
 * module proxy once into the tools directory and reused from there.
 *
 * - Kubernetes is built from `k8s.io/kubernetes` through scripts/go/kubernetes, a module that
 *   pins every staging module (`k8s.io/api`, `k8s.io/client-go`, …) to the matching v0 version,
 *   as k8s.io/kubernetes' own go.mod points them at its source tree, which the proxy does not serve.
 * - etcd's server module has replace directives, so `go install` refuses it; scripts/go/etcd
 *   requires it and calls its entry point.
 * - KWOK installs as it is published.
 */
export const KUBERNETES_VERSION = 'v1.36.3';
export const ETCD_VERSION = 'v3.5.36';
export const KWOK_VERSION = 'v0.8.0';
const KWOK_MODULE = 'sigs.k8s.io/kwok/cmd/kwok';
const KUBERNETES_COMMANDS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl'] as const;

const GO_MODULES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'go');

export interface KubernetesBinaries {
  dir: string;
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kubectl: string;
  kwok: string;
}

interface Stamp {
  kubernetes: string;
  etcd: string;
  kwok: string;
  /** Raised when how the binaries are built changes, so an older build is rebuilt. */
  recipe: number;
}
const STAMP = 'versions.json';
const PINNED: Stamp = { kubernetes: KUBERNETES_VERSION, etcd: ETCD_VERSION, kwok: KWOK_VERSION, recipe: 2 };

function binariesIn(dir: string): KubernetesBinaries {
  return {
    dir,
    etcd: path.join(dir, 'etcd'),
    kubeApiserver: path.join(dir, 'kube-apiserver'),
    kubeControllerManager: path.join(dir, 'kube-controller-manager'),
    kubeScheduler: path.join(dir, 'kube-scheduler'),
    kubectl: path.join(dir, 'kubectl'),
    kwok: path.join(dir, 'kwok'),
  };
}

const allExecutable = (b: KubernetesBinaries) => [b.etcd, b.kubeApiserver, b.kubeControllerManager, b.kubeScheduler, b.kubectl, b.kwok].every(isExecutableFile);

function readStamp(dir: string): Stamp | null {
  try {
    return JSON.parse(readFileSync(path.join(dir, STAMP), 'utf8')) as Stamp;
  } catch {
    return null;
  }
}

/** Where the pinned versions live in a tools directory: a new pin builds into a new directory. */
export const kubernetesToolsDir = (toolsDir = defaultToolsDir()) => path.join(path.resolve(toolsDir), `kubernetes-${KUBERNETES_VERSION}`);

/** The binaries when they are there and are the pinned versions; `GANTRY_KUBERNETES_BIN_DIR` names a directory of them. */
export function findKubernetes(toolsDir?: string): KubernetesBinaries | null {
  const fromEnv = process.env.GANTRY_KUBERNETES_BIN_DIR;
  const dir = fromEnv ? path.resolve(fromEnv) : kubernetesToolsDir(toolsDir);
  const b = binariesIn(dir);
  if (!allExecutable(b)) return null;
  const stamp = readStamp(dir);
  // A directory given by hand is taken as it is; the one we build must be what we pinned.
  if (!fromEnv && JSON.stringify(stamp) !== JSON.stringify(PINNED)) return null;
  return b;
}

export interface BuildKubernetesOptions {
  toolsDir?: string;
  log?: (line: string) => void;
  /** How often a build in progress says so; default 30 s. */
  progressEveryMs?: number;
}

function runGo(go: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; tail: string[] }> {
  return new Promise((resolve) => {
    const tail: string[] = [];
    const child = spawn(go, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    // Second to anything interactive: a developer's server or a test compiling next to it gets the CPU first.
    if (child.pid) {
      try {
        os.setPriority(child.pid, Math.min(19, os.getPriority(process.pid) + 10));
      } catch {
        // Not allowed to lower it: the build runs at our priority.
      }
    }
    const keep = (b: Buffer) => {
      tail.push(...b.toString('utf8').split('\n').filter(Boolean));
      tail.splice(0, Math.max(0, tail.length - 40));
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('exit', (code) => resolve({ code, tail }));
    child.once('error', (e) => resolve({ code: 127, tail: [String(e)] }));
  });
}

/**
 * The control plane's binaries, built with Go on first use (10 to 25 minutes on two cores,
 * and some 8 GB of Go caches; later runs find them in the tools directory in milliseconds).
 * Returns null with the reason, and the command that failed with its last lines of output,
 * when they cannot be built.
 */
export async function findOrBuildKubernetes(opts: BuildKubernetesOptions = {}): Promise<{ binaries: KubernetesBinaries } | { binaries: null; reason: string }> {
  const log = opts.log ?? ((l: string) => console.error(l));
  const found = findKubernetes(opts.toolsDir);
  if (found) return { binaries: found };
  if (process.env.GANTRY_KUBERNETES_BIN_DIR) {
    return { binaries: null, reason: `GANTRY_KUBERNETES_BIN_DIR=${process.env.GANTRY_KUBERNETES_BIN_DIR} does not hold etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl and kwok` };
  }
  const go = goBinary();
  if (!go) return { binaries: null, reason: 'no Kubernetes control plane in the tools directory and no Go toolchain to build one' };
  const toolsDir = path.resolve(opts.toolsDir ?? defaultToolsDir());
  const dir = kubernetesToolsDir(toolsDir);
  mkdirSync(toolsDir, { recursive: true });
  return withToolLock(
    toolsDir,
    `kubernetes-${KUBERNETES_VERSION}`,
    async () => {
      const again = findKubernetes(toolsDir);
      if (again) return { binaries: again };
      // Built next to the final directory and moved in whole, so nothing half-built is ever found.
      const staging = `${dir}.partial`;
      rmSync(staging, { recursive: true, force: true });
      mkdirSync(staging, { recursive: true });
      const env = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=readonly -buildvcs=false' };
      const flags = ['-trimpath', '-ldflags', '-s -w'];
      // What Kubernetes' own build stamps in, so the API server and kubectl report the version they are.
      const [major, minor] = KUBERNETES_VERSION.slice(1).split('.');
      const versionFlags = ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']
        .flatMap((pkg) => [`-X ${pkg}.gitVersion=${KUBERNETES_VERSION}`, `-X ${pkg}.gitMajor=${major}`, `-X ${pkg}.gitMinor=${minor}`, `-X ${pkg}.gitTreeState=clean`])
        .join(' ');
      const steps: { what: string; cwd: string; args: string[]; env?: Record<string, string> }[] = [
        { what: `etcd ${ETCD_VERSION}`, cwd: path.join(GO_MODULES, 'etcd'), args: ['build', ...flags, '-o', path.join(staging, 'etcd'), '.'] },
        {
          what: `Kubernetes ${KUBERNETES_VERSION} (${KUBERNETES_COMMANDS.join(', ')})`,
          cwd: path.join(GO_MODULES, 'kubernetes'),
          args: ['build', '-trimpath', '-ldflags', `-s -w ${versionFlags}`, '-o', `${staging}/`, ...KUBERNETES_COMMANDS.map((c) => `k8s.io/kubernetes/cmd/${c}`)],
        },
        { what: `KWOK ${KWOK_VERSION}`, cwd: toolsDir, args: ['install', ...flags, `${KWOK_MODULE}@${KWOK_VERSION}`], env: { GOBIN: staging, GOFLAGS: '-buildvcs=false' } },
      ];
      const began = Date.now();
      log(`Building the Kubernetes control plane (Kubernetes ${KUBERNETES_VERSION}, etcd ${ETCD_VERSION}, KWOK ${KWOK_VERSION}) with Go into ${dir}: 10 to 25 minutes, once…`);
      for (const step of steps) {
        const started = Date.now();
        const timer = setInterval(() => log(`Building ${step.what}… ${formatElapsed(Date.now() - started)}`), opts.progressEveryMs ?? 30_000);
        timer.unref();
        const { code, tail } = await runGo(go, step.args, step.cwd, { ...env, ...step.env }).finally(() => clearInterval(timer));
        if (code !== 0) {
          return { binaries: null, reason: `building ${step.what} failed: (cd ${step.cwd} && go ${step.args.join(' ')}) exited with ${code}:\n${tail.slice(-20).join('\n')}` };
        }
        log(`Built ${step.what} in ${formatElapsed(Date.now() - started)}.`);
      }
      writeFileSync(path.join(staging, STAMP), `${JSON.stringify(PINNED, null, 2)}\n`);
      rmSync(dir, { recursive: true, force: true });
      renameSync(staging, dir);
      log(`The Kubernetes control plane is built, in ${formatElapsed(Date.now() - began)}.`);
      const built = findKubernetes(toolsDir);
      return built ? { binaries: built } : { binaries: null, reason: `the build finished but ${dir} does not hold working binaries` };
    },
    { onWaiting: onFirstCall((holder) => log(`Another process (pid ${holder}) is building the Kubernetes control plane; waiting for it…`)) },
  );
}

/** `kube-apiserver --version` of a build: `Kubernetes v1.36.3`. */
export function kubernetesVersionOf(b: KubernetesBinaries): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(b.kubeApiserver, ['--version'], { timeout: 20_000, encoding: 'utf8' }, (err, stdout) => (err ? reject(err) : resolve(stdout.trim().replace(/^Kubernetes /, ''))));
  });
}
