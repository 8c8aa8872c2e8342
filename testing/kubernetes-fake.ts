import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { createTestPki, kubeconfigYaml } from './pki';

/**
 * A Kubernetes API server for tests, faithful where Gantry looks: HTTPS with its
 * own CA, bearer-token and client-certificate authentication, RBAC with
 * SelfSubjectRulesReview/SelfSubjectAccessReview, namespaces, nodes with
 * allocatable `nvidia.com/gpu`, and `batch/v1` Jobs whose controller creates Pods
 * that a small scheduler places on nodes (or leaves Unschedulable) and a kubelet
 * runs, writes logs for and terminates. Deleting a Job follows the requested
 * propagation policy (the API's default for Jobs orphans their Pods).
 *
 * Secrets (core/v1) can be created, read, listed, replaced and deleted; `stringData`
 * is merged into base64 `data` on write and never returned. A garbage collector
 * deletes Secrets whose owner references name only Jobs that are gone (after a
 * Background or Foreground delete, or the TTL controller's); an Orphan delete
 * removes the reference instead. A container whose env names a Secret or key that
 * does not exist stays waiting with `CreateContainerConfigError`, as the kubelet
 * leaves it, and starts once it can be resolved.
 *
 * What a container does is chosen by its image tag:
 * - `…:imagepullbackoff` — never pulls (ErrImagePull, then ImagePullBackOff);
 * - `…:fail` — exits 1 (reason Error); `…:oomkilled` — killed with 137 (OOMKilled);
 * - `…:sleep` — runs until deleted or its Job's deadline;
 * - anything else — logs a few lines and exits 0.
 *
 * Pod logs are kept as a container runtime writes them: one entry per line (at most
 * 16 KiB; a longer line is split into partial entries), stamped with the time it was
 * written. Text without a newline becomes a partial entry at once (a runtime holds it
 * back until a newline, 16 KiB or the container's end). The log endpoint renders the
 * entries as the kubelet does: `timestamps=true` puts the entry's time (RFC3339 with
 * nanoseconds, fixed width, UTC) and a space before the first entry of each line only,
 * `sinceTime` leaves out entries stamped before it, `tailLines` keeps the last entries,
 * and `limitBytes` cuts the output as sent. {@link KubernetesFake.requests} records the
 * bytes each response carried.
 *
 * Time is real (`clock: 'real'`) or moves only on {@link KubernetesFake.advance}
 * (`clock: 'manual'`, for deterministic tests). Runs in-process (vitest) or as a
 * process (`scripts/kube-fake.ts`, for Playwright). Not supported: watch, patch,
 * update of anything but Secrets, field selectors, set-based label selectors, and
 * `follow`, `previous` and `sinceSeconds` on logs.
 */

export interface FakeTaint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface FakeNode {
  name: string;
  /** Allocatable quantities, as a kubelet reports them (`7910m`, `32856660Ki`). */
  cpu: string;
  memory: string;
  gpus?: number;
  labels?: Record<string, string>;
  taints?: FakeTaint[];
  unschedulable?: boolean;
}

/** An RBAC rule bound to a user: cluster-wide without `namespaces` (a ClusterRoleBinding), else in those namespaces. */
export interface FakeRule {
  verbs: string[];
  apiGroups: string[];
  /** `pods`, `pods/log`, `*` or `*` followed by a subresource (`*\/log`). */
  resources: string[];
  namespaces?: string[];
}

export interface FakeUser {
  name: string;
  groups?: string[];
  /** Bearer token that authenticates as this user. */
  token?: string;
  /** Issue a client certificate (CN = name, O = groups) that authenticates as this user. */
  clientCertificate?: boolean;
  rules: FakeRule[];
  /**
   * The user's permissions come from a webhook authorizer: SelfSubjectRulesReview
   * lists none of them and answers `incomplete: true`; access reviews still answer.
   */
  rulesIncomplete?: boolean;
}

export interface FakeTiming {
  /** From pod creation to a scheduling attempt. */
  scheduleMs: number;
  /** From scheduling to the container running (image pull, start). */
  startMs: number;
  /** How long a container runs before it exits. */
  runMs: number;
  /** A log line every this often while running. */
  logIntervalMs: number;
}

export interface KubernetesFakeOptions {
  /** Port to listen on (127.0.0.1); 0 picks a free one. */
  port?: number;
  host?: string;
  namespaces?: string[];
  nodes?: FakeNode[];
  users?: FakeUser[];
  timing?: Partial<FakeTiming>;
  clock?: 'real' | 'manual';
  /** Extra DNS names in the server certificate (it always has localhost, 127.0.0.1 and ::1). */
  serverNames?: string[];
}

export interface FakeRequest {
  method: string;
  path: string;
  /** The query string, with its `?` (empty without one). */
  query: string;
  user: string | null;
  status: number;
  /** Size of the response body. */
  bytes: number;
}

export const GPU_TYPE_LABEL = 'nvidia.com/gpu.product';
export const FAKE_NAMESPACE = 'gantry-jobs';
/** In every server certificate, for tests of `tls-server-name`. */
export const FAKE_SERVER_NAME = 'api.kube-fake.test';

const JOB_VERBS = ['create', 'get', 'list', 'watch', 'delete'];
const SECRET_VERBS = ['create', 'get', 'update', 'delete'];

/** admin: everything; viewer: read-only in the job namespace; runner: a namespaced job runner (Jobs, their Secrets, pods and logs) authenticated by certificate. */
export const DEFAULT_USERS: FakeUser[] = [
  { name: 'gantry-admin', groups: ['system:masters'], token: 'admin-token', rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }] },
  {
    name: 'gantry-viewer',
    token: 'viewer-token',
    rules: [{ verbs: ['get', 'list', 'watch'], apiGroups: ['', 'batch'], resources: ['pods', 'jobs'], namespaces: [FAKE_NAMESPACE] }],
  },
  {
    name: 'gantry-runner',
    groups: ['gantry:runners'],
    clientCertificate: true,
    rules: [
      { verbs: JOB_VERBS, apiGroups: ['batch'], resources: ['jobs'], namespaces: [FAKE_NAMESPACE] },
      { verbs: SECRET_VERBS, apiGroups: [''], resources: ['secrets'], namespaces: [FAKE_NAMESPACE] },
      { verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods', 'pods/log'], namespaces: [FAKE_NAMESPACE] },
    ],
  },
];

export const DEFAULT_NODES: FakeNode[] = [
  { name: 'cpu-1', cpu: '7910m', memory: '32856660Ki', labels: { 'node.kubernetes.io/instance-type': 'n2-standard-8' } },
  {
    name: 'gpu-a100-1',
    cpu: '31850m',
    memory: '251Gi',
    gpus: 4,
    labels: { [GPU_TYPE_LABEL]: 'nvidia-a100' },
    taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }],
  },
  {
    name: 'gpu-t4-1',
    cpu: '15890m',
    memory: '60Gi',
    gpus: 1,
    labels: { [GPU_TYPE_LABEL]: 'nvidia-t4' },
    taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }],
  },
];

const DEFAULT_TIMING: FakeTiming = { scheduleMs: 100, startMs: 300, runMs: 2000, logIntervalMs: 250 };

/** containerd's default `max_container_log_line_size`: longer lines become several partial entries. */
const MAX_LOG_ENTRY_BYTES = 16 * 1024;

// ---------------------------------------------------------------------------
// Quantities, labels, selectors

/** A Kubernetes quantity in base units (cores for CPU, bytes for memory). */
export function parseQuantity(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = /^([+-]?\d+(?:\.\d+)?)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/.exec(q.trim());
  if (!m) throw new Error(`invalid quantity "${q}"`);
  const n = Number(m[1]);
  if (m[2]) return n * 10 ** Number(m[2].slice(1));
  const factors: Record<string, number> = {
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
    n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  };
  return n * (m[3] ? factors[m[3]]! : 1);
}

const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function labelProblems(labels: unknown, field: string): string[] {
  if (labels === undefined || labels === null) return [];
  if (typeof labels !== 'object') return [`${field}: Invalid value: must be a map`];
  const out: string[] = [];
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    const slash = k.lastIndexOf('/');
    const prefix = slash >= 0 ? k.slice(0, slash) : null;
    const name = slash >= 0 ? k.slice(slash + 1) : k;
    if ((prefix !== null && !DNS_SUBDOMAIN.test(prefix)) || !LABEL_NAME.test(name)) out.push(`${field}: Invalid value: "${k}": name part must consist of alphanumeric characters, '-', '_' or '.'`);
    if (typeof v !== 'string' || (v !== '' && !LABEL_NAME.test(v))) {
      out.push(`${field}: Invalid value: "${String(v)}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (max 63 characters)`);
    }
  }
  return out;
}

type Selector = (labels: Record<string, string>) => boolean;

function parseSelector(s: string | null): Selector {
  if (!s) return () => true;
  const reqs = s.split(',').map((part) => part.trim()).filter(Boolean).map((part): Selector => {
    let m: RegExpExecArray | null;
    if ((m = /^([^!=\s]+)\s*!=\s*(\S*)$/.exec(part))) {
      const [, k, v] = m as unknown as [string, string, string];
      return (l) => l[k] !== v;
    }
    if ((m = /^([^!=\s]+)\s*==?\s*(\S*)$/.exec(part))) {
      const [, k, v] = m as unknown as [string, string, string];
      return (l) => l[k] === v;
    }
    if ((m = /^!([^!=\s]+)$/.exec(part))) {
      const k = m[1]!;
      return (l) => !(k in l);
    }
    if (/^[^!=\s(),]+$/.test(part)) return (l) => part in l;
    throw new FakeApiError(400, 'BadRequest', `unable to parse requirement: ${part}`);
  });
  return (labels) => reqs.every((r) => r(labels));
}

const resource = (name: string, kind: string, namespaced: boolean, verbs: string[], singularName = kind.toLowerCase()) => ({ name, singularName, namespaced, kind, verbs });

/** The discovery documents for what this fake serves. */
const DISCOVERY: Record<string, Json> = {
  '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] },
  '/apis': {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: ['batch', 'authorization.k8s.io'].map((name) => ({ name, versions: [{ groupVersion: `${name}/v1`, version: 'v1' }], preferredVersion: { groupVersion: `${name}/v1`, version: 'v1' } })),
  },
  '/api/v1': {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [
      resource('namespaces', 'Namespace', false, ['get', 'list']),
      resource('nodes', 'Node', false, ['list']),
      resource('pods', 'Pod', true, ['delete', 'get', 'list']),
      resource('pods/log', 'Pod', true, ['get'], ''),
      resource('secrets', 'Secret', true, ['create', 'delete', 'get', 'list', 'update']),
    ],
  },
  '/apis/batch/v1': { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'batch/v1', resources: [resource('jobs', 'Job', true, ['create', 'delete', 'get', 'list'])] },
  '/apis/authorization.k8s.io/v1': {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: 'authorization.k8s.io/v1',
    resources: [resource('selfsubjectaccessreviews', 'SelfSubjectAccessReview', false, ['create']), resource('selfsubjectrulesreviews', 'SelfSubjectRulesReview', false, ['create'])],
  },
};

// ---------------------------------------------------------------------------
// State

type Json = Record<string, unknown>;

interface ResourceRequests {
  cpu: number;
  memory: number;
  gpus: number;
}

type Scenario = 'succeed' | 'fail' | 'oomkilled' | 'imagepullbackoff' | 'sleep';

/** One entry of a container log file: a whole line with its newline, or a partial one without. */
interface LogEntry {
  /** When the runtime wrote it (ms on the fake's clock). */
  at: number;
  text: Buffer;
}

interface PodRec {
  name: string;
  namespace: string;
  uid: string;
  resourceVersion: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  ownerJob: { name: string; uid: string } | null;
  spec: Json;
  image: string;
  containerName: string;
  scenario: Scenario;
  requests: ResourceRequests;
  createdAt: number;
  unschedulableMessage: string | null;
  scheduledAt: number | null;
  nodeName: string | null;
  startedAt: number | null;
  finishedAt: number | null;
  exit: { code: number; reason: string; message?: string } | null;
  nextLogAt: number;
  logLines: number;
  log: LogEntry[];
  /** Why the kubelet cannot build the container's config (a missing Secret or key), while it waits. */
  configError: string | null;
  /** The container's environment as the kubelet resolved it when starting it. */
  env: Record<string, string> | null;
}

interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

interface SecretRec {
  name: string;
  namespace: string;
  uid: string;
  resourceVersion: number;
  labels: Record<string, string> | undefined;
  annotations: Record<string, string> | undefined;
  ownerReferences: OwnerRef[];
  type: string;
  /** Base64 values, as the API returns them. */
  data: Record<string, string>;
  immutable: boolean;
  createdAt: number;
}

interface JobRec {
  name: string;
  namespace: string;
  uid: string;
  resourceVersion: number;
  metadata: Json;
  spec: Json;
  createdAt: number;
  startTime: number | null;
  succeeded: number;
  failed: number;
  finished: { at: number; type: 'Complete' | 'Failed'; reason: string; message: string } | null;
}

class FakeApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Json,
  ) {
    super(message);
  }
}

const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/** A log timestamp as the kubelet writes it (`RFC3339NanoFixed`: always nine fraction digits). */
const logTimestamp = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');

/** An RFC3339 time (as `metav1.Time` parses a query parameter) in ms, or null. */
function parseRfc3339(s: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(s);
  if (!m) return null;
  const [, y, mo, d, h, mi, sec, frac, zone] = m as unknown as string[];
  const offset = zone === 'Z' ? 0 : (zone!.startsWith('-') ? -1 : 1) * (Number(zone!.slice(1, 3)) * 60 + Number(zone!.slice(4, 6))) * 60_000;
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec)) - offset + (frac ? Number(`0.${frac}`) * 1000 : 0);
}

/** A boolean query parameter as the API server converts it: absent, empty, `0` and `false` (any case) are false. */
const queryFlag = (v: string | null) => v !== null && v !== '' && v !== '0' && v.toLowerCase() !== 'false';

function scenarioOf(image: string): Scenario {
  const lastSlash = image.lastIndexOf('/');
  const tag = image.slice(lastSlash + 1).split('@')[0]!.split(':')[1]?.toLowerCase() ?? '';
  if (tag === 'imagepullbackoff' || tag === 'fail' || tag === 'oomkilled' || tag === 'sleep') return tag;
  return 'succeed';
}

function containerRequests(container: Json): ResourceRequests {
  const resources = (container.resources ?? {}) as { requests?: Record<string, string>; limits?: Record<string, string> };
  const pick = (k: string) => resources.requests?.[k] ?? resources.limits?.[k];
  const cpu = pick('cpu');
  const memory = pick('memory');
  const gpus = pick('nvidia.com/gpu');
  return {
    cpu: cpu === undefined ? 0 : parseQuantity(cpu),
    memory: memory === undefined ? 0 : parseQuantity(memory),
    gpus: gpus === undefined ? 0 : parseQuantity(gpus),
  };
}

function tolerates(tolerations: Json[], taint: FakeTaint): boolean {
  return tolerations.some((t) => {
    const op = (t.operator as string | undefined) ?? 'Equal';
    const keyOk = t.key === taint.key || (!t.key && op === 'Exists');
    const valueOk = op === 'Exists' || (t.value ?? '') === (taint.value ?? '');
    const effectOk = !t.effect || t.effect === taint.effect;
    return keyOk && valueOk && effectOk;
  });
}

/** Checks a Job the way the API server's validation does, for the fields Gantry sets. */
function validateJob(body: Json): string[] {
  const problems: string[] = [];
  const meta = (body.metadata ?? {}) as Json;
  const name = meta.name;
  if (typeof name !== 'string' || !DNS_SUBDOMAIN.test(name)) problems.push(`metadata.name: Invalid value: "${String(name)}": a lowercase RFC 1123 subdomain is required`);
  else if (name.length > 63) problems.push(`metadata.name: Invalid value: "${name}": must be no more than 63 characters`);
  problems.push(...labelProblems(meta.labels, 'metadata.labels'));
  const spec = (body.spec ?? {}) as Json;
  const template = (spec.template ?? {}) as Json;
  problems.push(...labelProblems((template.metadata as Json | undefined)?.labels, 'spec.template.metadata.labels'));
  const podSpec = (template.spec ?? {}) as Json;
  if (podSpec.restartPolicy !== 'Never' && podSpec.restartPolicy !== 'OnFailure') {
    problems.push(`spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"`);
  }
  for (const k of ['activeDeadlineSeconds', 'ttlSecondsAfterFinished', 'backoffLimit'] as const) {
    const v = spec[k];
    if (v !== undefined && (!Number.isInteger(v) || (v as number) < (k === 'activeDeadlineSeconds' ? 1 : 0))) problems.push(`spec.${k}: Invalid value: ${String(v)}`);
  }
  const containers = podSpec.containers;
  if (!Array.isArray(containers) || containers.length === 0) problems.push('spec.template.spec.containers: Required value');
  (Array.isArray(containers) ? (containers as Json[]) : []).forEach((c, i) => {
    const f = `spec.template.spec.containers[${i}]`;
    if (typeof c.name !== 'string' || !DNS_LABEL.test(c.name)) problems.push(`${f}.name: Invalid value: "${String(c.name)}"`);
    if (typeof c.image !== 'string' || c.image.trim() === '') problems.push(`${f}.image: Required value`);
    const resources = (c.resources ?? {}) as { requests?: Record<string, string>; limits?: Record<string, string> };
    for (const kind of ['requests', 'limits'] as const) {
      for (const [k, v] of Object.entries(resources[kind] ?? {})) {
        try {
          const n = parseQuantity(v);
          if (k === 'nvidia.com/gpu' && !Number.isInteger(n)) problems.push(`${f}.resources.${kind}[${k}]: Invalid value: "${v}": must be an integer`);
        } catch {
          problems.push(`${f}.resources.${kind}[${k}]: Invalid value: "${v}": quantities must match the regular expression`);
        }
      }
    }
    const gpuReq = resources.requests?.['nvidia.com/gpu'];
    const gpuLim = resources.limits?.['nvidia.com/gpu'];
    if (gpuReq !== undefined && gpuLim === undefined) problems.push(`${f}.resources.limits: Required value: Limit must be set for non overcommitable resources`);
    if (gpuReq !== undefined && gpuLim !== undefined && parseQuantity(gpuReq) !== parseQuantity(gpuLim)) {
      problems.push(`${f}.resources.requests: Invalid value: "${gpuReq}": must be equal to nvidia.com/gpu limit of ${gpuLim}`);
    }
    if (Array.isArray(c.env)) {
      (c.env as Json[]).forEach((e, j) => {
        const ef = `${f}.env[${j}]`;
        if (typeof e.name !== 'string' || !/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(e.name)) problems.push(`${ef}.name: Invalid value: "${String(e.name)}"`);
        const from = e.valueFrom as Json | undefined;
        if (from === undefined || from === null) return;
        if (typeof e.value === 'string' && e.value !== '') problems.push(`${ef}.valueFrom: Invalid value: "": may not be specified when \`value\` is not empty`);
        const ref = from.secretKeyRef as Json | undefined;
        if (ref === undefined || ref === null) return;
        if (typeof ref.name !== 'string' || !ref.name) problems.push(`${ef}.valueFrom.secretKeyRef.name: Required value`);
        if (typeof ref.key !== 'string' || !ref.key) problems.push(`${ef}.valueFrom.secretKeyRef.key: Required value`);
        else if (!CONFIG_KEY.test(ref.key)) problems.push(`${ef}.valueFrom.secretKeyRef.key: Invalid value: "${ref.key}": ${CONFIG_KEY_RULE}`);
      });
    }
  });
  return problems;
}

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const CONFIG_KEY_RULE = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name', or 'KEY_NAME', or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const MAX_SECRET_BYTES = 1024 * 1024;

/**
 * The Secret a create or replace body describes, checked as the API server does:
 * `data` must be base64 (else 400, as the JSON decoding fails), `stringData` is
 * merged over it, names, keys and size are validated (422).
 */
function secretFromBody(body: Json, urlNamespace: string): { name: string; data: Record<string, string>; type: string; immutable: boolean; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences: OwnerRef[]; problems: string[] } {
  const meta = (body.metadata ?? {}) as Json;
  if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== urlNamespace) {
    throw new FakeApiError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
  }
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries((body.data ?? {}) as Record<string, unknown>)) {
    if (typeof v !== 'string' || !BASE64.test(v)) throw new FakeApiError(400, 'BadRequest', `Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 0`);
    data[k] = v;
  }
  for (const [k, v] of Object.entries((body.stringData ?? {}) as Record<string, unknown>)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
  const name = typeof meta.name === 'string' ? meta.name : '';
  const problems: string[] = [];
  if (!DNS_SUBDOMAIN.test(name)) problems.push(`metadata.name: Invalid value: "${name}": a lowercase RFC 1123 subdomain is required`);
  problems.push(...labelProblems(meta.labels, 'metadata.labels'));
  for (const k of Object.keys(data)) {
    if (!CONFIG_KEY.test(k) || k.length > 253) problems.push(`data[${k}]: Invalid value: "${k}": ${CONFIG_KEY_RULE}`);
  }
  const size = Object.values(data).reduce((n, v) => n + Buffer.from(v, 'base64').length, 0);
  if (size > MAX_SECRET_BYTES) problems.push(`data: Too long: must have at most ${MAX_SECRET_BYTES} bytes`);
  const owners = Array.isArray(meta.ownerReferences) ? (meta.ownerReferences as Json[]) : [];
  owners.forEach((o) => {
    for (const f of ['apiVersion', 'kind', 'name', 'uid'] as const) {
      if (typeof o[f] !== 'string' || !o[f]) problems.push(`metadata.ownerReferences.${f}: Invalid value: "": ${f} must not be empty`);
    }
  });
  if (owners.filter((o) => o.controller === true).length > 1) problems.push('metadata.ownerReferences: Invalid value: Only one reference can have Controller set to true');
  return {
    name,
    data,
    type: typeof body.type === 'string' && body.type ? body.type : 'Opaque',
    immutable: body.immutable === true,
    labels: meta.labels as Record<string, string> | undefined,
    annotations: meta.annotations as Record<string, string> | undefined,
    ownerReferences: owners.map((o) => ({
      apiVersion: String(o.apiVersion),
      kind: String(o.kind),
      name: String(o.name),
      uid: String(o.uid),
      controller: typeof o.controller === 'boolean' ? o.controller : undefined,
      blockOwnerDeletion: typeof o.blockOwnerDeletion === 'boolean' ? o.blockOwnerDeletion : undefined,
    })),
    problems,
  };
}

// ---------------------------------------------------------------------------
// Certificates (testing/pki.ts: openssl, so the CA path is the real one)

interface Pki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clients: Map<string, { cert: string; key: string }>;
}

function makePki(serverNames: string[], certUsers: FakeUser[]): Pki {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gantry-kube-fake-'));
  const pki = createTestPki(dir, 'gantry-kube-fake-ca');
  const server = pki.server('server', serverNames);
  const clients = new Map<string, { cert: string; key: string }>();
  certUsers.forEach((u, i) => clients.set(u.name, pki.client(`client-${i}`, u.name, u.groups ?? [])));
  return { dir, caCert: pki.caCert, serverCert: server.cert, serverKey: server.key, clients };
}

// ---------------------------------------------------------------------------
// The fake

export interface KubeconfigOptions {
  /** Which user's credentials (default: the first user). */
  user?: string;
  /** Use this token instead of the user's (e.g. a wrong one). */
  token?: string;
  /** Authenticate with the user's client certificate instead of a token. */
  auth?: 'token' | 'certificate';
  /** Override the server URL (default https://127.0.0.1:<port>). */
  server?: string;
  tlsServerName?: string;
  namespace?: string;
  /** Leave out certificate-authority-data. */
  omitCa?: boolean;
}

export class KubernetesFake {
  /** Every request answered, in order, with the size of what was sent back. */
  readonly requests: FakeRequest[] = [];
  private readonly users: FakeUser[];
  private readonly nodes: FakeNode[];
  private readonly namespaces: Map<string, { uid: string; createdAt: number }>;
  private readonly timing: FakeTiming;
  private readonly manual: boolean;
  private virtualNow: number;
  private reconciledTo: number;
  private rv = 1;
  private readonly jobs = new Map<string, JobRec>();
  private readonly pods = new Map<string, PodRec>();
  private readonly secrets = new Map<string, SecretRec>();
  private readonly nodeUids = new Map<string, string>();
  private readonly startedAt = Date.now();
  /** Pods already counted into their job's succeeded/failed totals. */
  private readonly countedPods = new Set<string>();
  private server!: https.Server;
  private pki!: Pki;
  port = 0;

  private constructor(private readonly opts: KubernetesFakeOptions) {
    this.users = opts.users ?? DEFAULT_USERS;
    this.nodes = opts.nodes ?? DEFAULT_NODES;
    for (const n of this.nodes) this.nodeUids.set(n.name, randomUUID());
    this.timing = { ...DEFAULT_TIMING, ...Object.fromEntries(Object.entries(opts.timing ?? {}).filter(([, v]) => v !== undefined)) };
    this.manual = opts.clock === 'manual';
    this.virtualNow = Date.now();
    this.reconciledTo = this.now();
    this.namespaces = new Map(['default', 'kube-system', ...(opts.namespaces ?? [FAKE_NAMESPACE])].map((n) => [n, { uid: randomUUID(), createdAt: this.now() }]));
  }

  static async start(opts: KubernetesFakeOptions = {}): Promise<KubernetesFake> {
    const fake = new KubernetesFake(opts);
    fake.pki = makePki([FAKE_SERVER_NAME, ...(opts.serverNames ?? [])], fake.users.filter((u) => u.clientCertificate));
    fake.server = https.createServer(
      { cert: fake.pki.serverCert, key: fake.pki.serverKey, ca: [fake.pki.caCert], requestCert: true, rejectUnauthorized: false },
      (req, res) => void fake.handle(req, res),
    );
    await new Promise<void>((resolve, reject) => {
      fake.server.once('error', reject);
      fake.server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
    });
    fake.port = (fake.server.address() as AddressInfo).port;
    return fake;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /** Base64 of the CA certificate, as in `certificate-authority-data`. */
  get caData(): string {
    return Buffer.from(this.pki.caCert).toString('base64');
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.pki.dir, { recursive: true, force: true });
  }

  now(): number {
    return this.manual ? this.virtualNow : Date.now();
  }

  /** Moves the manual clock forward; everything due by then happens in order. */
  advance(ms: number): void {
    if (!this.manual) throw new Error('advance() needs clock: "manual"');
    this.virtualNow += ms;
    this.reconcile();
  }

  /**
   * Appends to the log of the newest pod of `jobName`, as its container writing `text`
   * now: every line of one call is stamped with the same time (as on the manual clock
   * until it moves), a last line without a newline is a partial entry. Bytes are written
   * as given, so they may end inside a character.
   */
  appendLog(namespace: string, jobName: string, text: string | Buffer): void {
    this.reconcile();
    const pod = [...this.pods.values()].filter((p) => p.namespace === namespace && p.ownerJob?.name === jobName).at(-1);
    if (!pod) throw new Error(`no pod for job ${namespace}/${jobName}`);
    this.writeLog(pod, text, this.now());
  }

  /** The whole log of the newest pod of `jobName` as its container wrote it (no timestamps), or null. */
  podLog(namespace: string, jobName: string): Buffer | null {
    this.reconcile();
    const pod = [...this.pods.values()].filter((p) => p.namespace === namespace && p.ownerJob?.name === jobName).at(-1);
    return pod ? Buffer.concat(pod.log.map((e) => e.text)) : null;
  }

  /** The stored Job (as the API returns it), or null. */
  job(namespace: string, name: string): Json | null {
    this.reconcile();
    const j = this.jobs.get(`${namespace}/${name}`);
    return j ? this.renderJob(j) : null;
  }

  listJobs(namespace: string): Json[] {
    this.reconcile();
    return [...this.jobs.values()].filter((j) => j.namespace === namespace).map((j) => this.renderJob(j));
  }

  listPods(namespace: string): Json[] {
    this.reconcile();
    return [...this.pods.values()].filter((p) => p.namespace === namespace).map((p) => this.renderPod(p));
  }

  /** The stored Secret (as the API returns it: base64 `data`), or null. */
  secret(namespace: string, name: string): Json | null {
    this.reconcile();
    const s = this.secrets.get(`${namespace}/${name}`);
    return s ? this.renderSecret(s) : null;
  }

  /** The environment the kubelet gave the newest pod of `jobName` when it started its container (null before). */
  podEnv(namespace: string, jobName: string): Record<string, string> | null {
    this.reconcile();
    const pod = [...this.pods.values()].filter((p) => p.namespace === namespace && p.ownerJob?.name === jobName).at(-1);
    return pod?.env ? { ...pod.env } : null;
  }

  /** A kubeconfig for this server, as an admin would paste it. */
  kubeconfig(o: KubeconfigOptions = {}): string {
    const user = o.user ? this.users.find((u) => u.name === o.user) : this.users[0];
    if (!user) throw new Error(`no fake user ${o.user}`);
    const auth = o.auth ?? (user.token ? 'token' : 'certificate');
    const pair = auth === 'certificate' ? this.pki.clients.get(user.name) : undefined;
    if (auth === 'certificate' && !pair) throw new Error(`fake user ${user.name} has no client certificate`);
    return kubeconfigYaml({
      name: 'kube-fake',
      server: o.server ?? this.url,
      caData: o.omitCa ? null : this.caData,
      tlsServerName: o.tlsServerName,
      user: user.name,
      token: auth === 'token' ? (o.token ?? user.token) : undefined,
      clientCert: pair,
      namespace: o.namespace,
    });
  }

  // -------------------------------------------------------------------------
  // Controllers: job controller, scheduler, kubelet, TTL and garbage collection

  private reconcile(): void {
    const target = this.now();
    const step = Math.max(25, Math.ceil((target - this.reconciledTo) / 4000));
    let t = this.reconciledTo;
    while (t < target) {
      t = Math.min(target, t + step);
      this.tick(t);
    }
    this.reconciledTo = Math.max(this.reconciledTo, target);
  }

  private bump(): number {
    return ++this.rv;
  }

  private tick(t: number): void {
    for (const job of this.jobs.values()) this.syncJob(job, t);
    const pods = [...this.pods.values()].sort((a, b) => a.createdAt - b.createdAt);
    for (const pod of pods) this.syncPod(pod, t);
    for (const job of this.jobs.values()) this.syncJob(job, t);
    this.collectGarbage();
  }

  /**
   * The garbage collector, for Secrets: one whose owner references all name Jobs
   * that no longer exist (by UID) is deleted. References to kinds this fake does
   * not serve are left alone, as the real collector cannot resolve them either.
   */
  private collectGarbage(): void {
    const liveJobUids = new Set([...this.jobs.values()].map((j) => j.uid));
    for (const [key, secret] of this.secrets) {
      if (secret.ownerReferences.length === 0) continue;
      const gone = secret.ownerReferences.every((o) => o.apiVersion === 'batch/v1' && o.kind === 'Job' && !liveJobUids.has(o.uid));
      if (gone) this.secrets.delete(key);
    }
  }

  private podsOf(job: JobRec): PodRec[] {
    return [...this.pods.values()].filter((p) => p.ownerJob?.uid === job.uid);
  }

  private syncJob(job: JobRec, t: number): void {
    if (job.finished) {
      const ttl = job.spec.ttlSecondsAfterFinished as number | undefined;
      if (ttl !== undefined && t >= job.finished.at + ttl * 1000) this.deleteJob(job, 'Background');
      return;
    }
    if (job.spec.suspend === true) return;
    job.startTime ??= t;
    const deadline = job.spec.activeDeadlineSeconds as number | undefined;
    const pods = this.podsOf(job);
    for (const p of pods) {
      if (p.exit && !this.countedPods.has(p.uid)) {
        this.countedPods.add(p.uid);
        if (p.exit.code === 0) job.succeeded++;
        else job.failed++;
        job.resourceVersion = this.bump();
      }
    }
    if (job.succeeded > 0) {
      const at = Math.max(...pods.filter((p) => p.exit?.code === 0).map((p) => p.finishedAt ?? t));
      job.finished = { at, type: 'Complete', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' };
      job.resourceVersion = this.bump();
      return;
    }
    const backoffLimit = (job.spec.backoffLimit as number | undefined) ?? 6;
    if (job.failed > backoffLimit) {
      const at = Math.max(...pods.filter((p) => p.exit).map((p) => p.finishedAt ?? t));
      job.finished = { at, type: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
      job.resourceVersion = this.bump();
      return;
    }
    if (deadline !== undefined && t >= job.startTime + deadline * 1000) {
      job.finished = { at: job.startTime + deadline * 1000, type: 'Failed', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
      job.resourceVersion = this.bump();
      for (const p of pods) if (!p.exit) this.pods.delete(`${p.namespace}/${p.name}`);
      return;
    }
    if (!pods.some((p) => !p.exit)) this.createPod(job, t);
  }

  private createPod(job: JobRec, t: number): void {
    const template = (job.spec.template ?? {}) as Json;
    const tmeta = (template.metadata ?? {}) as Json;
    const spec = structuredClone((template.spec ?? {}) as Json);
    const container = ((spec.containers as Json[] | undefined) ?? [])[0] ?? {};
    const name = `${job.name}-${randomBytes(3).toString('hex').slice(0, 5)}`;
    const pod: PodRec = {
      name,
      namespace: job.namespace,
      uid: randomUUID(),
      resourceVersion: this.bump(),
      labels: {
        ...((tmeta.labels as Record<string, string> | undefined) ?? {}),
        'batch.kubernetes.io/controller-uid': job.uid,
        'batch.kubernetes.io/job-name': job.name,
        'controller-uid': job.uid,
        'job-name': job.name,
      },
      annotations: { ...((tmeta.annotations as Record<string, string> | undefined) ?? {}) },
      ownerJob: { name: job.name, uid: job.uid },
      spec,
      image: String(container.image ?? ''),
      containerName: String(container.name ?? ''),
      scenario: scenarioOf(String(container.image ?? '')),
      requests: containerRequests(container),
      createdAt: t,
      unschedulableMessage: null,
      scheduledAt: null,
      nodeName: null,
      startedAt: null,
      finishedAt: null,
      exit: null,
      nextLogAt: 0,
      logLines: 0,
      log: [],
      configError: null,
      env: null,
    };
    this.pods.set(`${pod.namespace}/${pod.name}`, pod);
  }

  /** Why `pod` does not fit on `node` (empty when it fits), in the scheduler's words. */
  private misfits(pod: PodRec, node: FakeNode): string[] {
    if (node.unschedulable) return ['node(s) were unschedulable'];
    const selector = (pod.spec.nodeSelector ?? {}) as Record<string, string>;
    const labels: Record<string, string> = { 'kubernetes.io/hostname': node.name, ...node.labels };
    if (Object.entries(selector).some(([k, v]) => labels[k] !== v)) return ["node(s) didn't match Pod's node affinity/selector"];
    const tolerations = (pod.spec.tolerations ?? []) as Json[];
    const untolerated = (node.taints ?? []).find((taint) => taint.effect !== 'PreferNoSchedule' && !tolerates(tolerations, taint));
    if (untolerated) return [`node(s) had untolerated taint {${untolerated.key}: ${untolerated.value ?? ''}}`];
    const used: ResourceRequests = { cpu: 0, memory: 0, gpus: 0 };
    for (const p of this.pods.values()) {
      if (p.nodeName === node.name && !p.exit) {
        used.cpu += p.requests.cpu;
        used.memory += p.requests.memory;
        used.gpus += p.requests.gpus;
      }
    }
    const out: string[] = [];
    if (pod.requests.cpu > parseQuantity(node.cpu) - used.cpu + 1e-9) out.push('Insufficient cpu');
    if (pod.requests.memory > parseQuantity(node.memory) - used.memory) out.push('Insufficient memory');
    if (pod.requests.gpus > (node.gpus ?? 0) - used.gpus) out.push('Insufficient nvidia.com/gpu');
    return out;
  }

  private schedule(pod: PodRec, t: number): void {
    const counts = new Map<string, number>();
    for (const node of this.nodes) {
      const why = this.misfits(pod, node);
      if (why.length === 0) {
        pod.nodeName = node.name;
        pod.scheduledAt = t;
        pod.unschedulableMessage = null;
        pod.resourceVersion = this.bump();
        return;
      }
      for (const w of why) counts.set(w, (counts.get(w) ?? 0) + 1);
    }
    const reasons = [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([w, n]) => `${n} ${w}`);
    const message = `0/${this.nodes.length} nodes are available: ${reasons.join(', ')}. preemption: 0/${this.nodes.length} nodes are available: ${this.nodes.length} Preemption is not helpful for scheduling.`;
    if (message !== pod.unschedulableMessage) {
      pod.unschedulableMessage = message;
      pod.resourceVersion = this.bump();
    }
  }

  /** The runtime's log writer: an entry per line, lines longer than its buffer in several partial entries. */
  private writeLog(pod: PodRec, text: string | Buffer, at: number): void {
    let rest = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
    while (rest.length > 0) {
      const newline = rest.indexOf(0x0a);
      const lineEnd = newline < 0 ? rest.length : newline + 1;
      const size = Math.min(lineEnd, MAX_LOG_ENTRY_BYTES);
      pod.log.push({ at, text: rest.subarray(0, size) });
      rest = rest.subarray(size);
    }
  }

  private appendLine(pod: PodRec, line: string, at: number): void {
    this.writeLog(pod, `${line}\n`, at);
  }

  /**
   * The container log as the kubelet serves it: entries stamped before `sinceTime` left out
   * (the prefix decision still follows them), `tailLines` counted in entries, a timestamp
   * only where a line starts, `limitBytes` applied to the output.
   */
  private renderLog(pod: PodRec, q: URLSearchParams): Buffer {
    const invalid = (field: string, value: number, why: string) =>
      new FakeApiError(422, 'Invalid', `PodLogOptions "${pod.name}" is invalid: ${field}: Invalid value: ${value}: ${why}`, {
        name: pod.name,
        kind: 'PodLogOptions',
        causes: [{ reason: 'FieldValueInvalid', message: `Invalid value: ${value}: ${why}`, field }],
      });
    const integer = (key: string): number | null => {
      const v = q.get(key);
      if (v === null) return null;
      if (!/^-?\d+$/.test(v)) throw new FakeApiError(400, 'BadRequest', `strconv.ParseInt: parsing "${v}": invalid syntax`);
      return Number(v);
    };
    const tail = integer('tailLines');
    if (tail !== null && tail < 0) throw invalid('tailLines', tail, 'must be greater than or equal to 0');
    const limit = integer('limitBytes');
    if (limit !== null && limit < 1) throw invalid('limitBytes', limit, 'must be greater than 0');
    const sinceParam = q.get('sinceTime');
    const since = sinceParam === null ? null : parseRfc3339(sinceParam);
    if (sinceParam !== null && since === null) {
      throw new FakeApiError(400, 'BadRequest', `parsing time "${sinceParam}" as "2006-01-02T15:04:05Z07:00": cannot parse "${sinceParam}" as RFC3339`);
    }
    const timestamps = queryFlag(q.get('timestamps'));
    const entries = tail === null ? pod.log : pod.log.slice(Math.max(0, pod.log.length - tail));
    const out: Buffer[] = [];
    let lineStart = true;
    for (const e of entries) {
      if (since === null || e.at >= since) {
        if (timestamps && lineStart) out.push(Buffer.from(`${logTimestamp(e.at)} `));
        out.push(e.text);
      }
      lineStart = e.text.length === 0 || e.text[e.text.length - 1] === 0x0a;
    }
    const log = Buffer.concat(out);
    // Raw bytes, as the kubelet streams them: a limit can cut a multi-byte character or a timestamp.
    return limit === null ? log : log.subarray(0, limit);
  }

  private syncPod(pod: PodRec, t: number): void {
    if (pod.exit) return;
    if (pod.nodeName === null) {
      if (t >= pod.createdAt + this.timing.scheduleMs) this.schedule(pod, t);
      return;
    }
    if (pod.startedAt === null) {
      if (pod.scenario !== 'imagepullbackoff' && t >= pod.scheduledAt! + this.timing.startMs) {
        // After the image is pulled the kubelet builds the container's config; a missing Secret or key stops it there.
        const resolved = this.resolveEnv(pod);
        if ('error' in resolved) {
          if (resolved.error !== pod.configError) {
            pod.configError = resolved.error;
            pod.resourceVersion = this.bump();
          }
          return;
        }
        pod.startedAt = pod.configError === null ? pod.scheduledAt! + this.timing.startMs : t;
        pod.configError = null;
        pod.env = resolved.env;
        pod.nextLogAt = pod.startedAt;
        pod.resourceVersion = this.bump();
      }
      return;
    }
    const endAt = pod.startedAt + this.timing.runMs;
    while (pod.nextLogAt <= t && (pod.scenario === 'sleep' || pod.nextLogAt < endAt)) {
      pod.logLines++;
      const command = [...((pod.spec.containers as Json[])[0]?.command as string[] | undefined ?? []), ...((pod.spec.containers as Json[])[0]?.args as string[] | undefined ?? [])];
      this.appendLine(pod, pod.logLines === 1 ? `fake-trainer: starting ${command.join(' ')}`.trimEnd() : `fake-trainer: step ${pod.logLines - 1}`, pod.nextLogAt);
      pod.nextLogAt += this.timing.logIntervalMs;
    }
    if (pod.scenario === 'sleep' || t < endAt) return;
    pod.finishedAt = endAt;
    if (pod.scenario === 'fail') {
      this.appendLine(pod, 'fake-trainer: error: loss is NaN', endAt);
      pod.exit = { code: 1, reason: 'Error' };
    } else if (pod.scenario === 'oomkilled') {
      pod.exit = { code: 137, reason: 'OOMKilled' };
    } else {
      this.appendLine(pod, 'fake-trainer: done', endAt);
      pod.exit = { code: 0, reason: 'Completed' };
    }
    pod.resourceVersion = this.bump();
  }

  /** The container's environment as the kubelet builds it: values, and Secret keys (an optional reference may be missing). */
  private resolveEnv(pod: PodRec): { env: Record<string, string> } | { error: string } {
    const container = ((pod.spec.containers as Json[] | undefined) ?? [])[0] ?? {};
    const env: Record<string, string> = {};
    for (const e of (container.env as Json[] | undefined) ?? []) {
      const name = String(e.name);
      const ref = (e.valueFrom as Json | undefined)?.secretKeyRef as Json | undefined;
      if (!ref) {
        if (e.valueFrom === undefined || e.valueFrom === null) env[name] = typeof e.value === 'string' ? e.value : '';
        continue;
      }
      const secretName = String(ref.name);
      const key = String(ref.key);
      const secret = this.secrets.get(`${pod.namespace}/${secretName}`);
      if (!secret) {
        if (ref.optional === true) continue;
        return { error: `secret "${secretName}" not found` };
      }
      const value = secret.data[key];
      if (value === undefined) {
        if (ref.optional === true) continue;
        return { error: `couldn't find key ${key} in Secret ${pod.namespace}/${secretName}` };
      }
      env[name] = Buffer.from(value, 'base64').toString('utf8');
    }
    return { env };
  }

  private deleteJob(job: JobRec, policy: string): void {
    this.jobs.delete(`${job.namespace}/${job.name}`);
    for (const p of this.podsOf(job)) {
      if (policy === 'Orphan') p.ownerJob = null;
      else this.pods.delete(`${p.namespace}/${p.name}`);
    }
    if (policy === 'Orphan') {
      // The orphan finalizer removes the deleted owner from its dependents.
      for (const s of this.secrets.values()) {
        const kept = s.ownerReferences.filter((o) => o.uid !== job.uid);
        if (kept.length !== s.ownerReferences.length) {
          s.ownerReferences = kept;
          s.resourceVersion = this.bump();
        }
      }
    }
    this.collectGarbage();
  }

  // -------------------------------------------------------------------------
  // Rendering

  private renderJob(j: JobRec): Json {
    const pods = this.podsOf(j);
    const active = pods.filter((p) => !p.exit).length;
    const conditions: Json[] = [];
    if (j.finished) {
      const c = { status: 'True', reason: j.finished.reason, message: j.finished.message, lastProbeTime: iso(j.finished.at), lastTransitionTime: iso(j.finished.at) };
      conditions.push({ type: j.finished.type === 'Complete' ? 'SuccessCriteriaMet' : 'FailureTarget', ...c }, { type: j.finished.type, ...c });
    }
    const status: Json = {
      active: j.finished ? undefined : active || undefined,
      ready: j.finished ? undefined : pods.filter((p) => p.startedAt !== null && !p.exit).length,
      succeeded: j.succeeded || undefined,
      failed: j.failed || undefined,
      terminating: 0,
      startTime: j.startTime === null ? undefined : iso(j.startTime),
      completionTime: j.finished?.type === 'Complete' ? iso(j.finished.at) : undefined,
      conditions: conditions.length ? conditions : undefined,
      uncountedTerminatedPods: {},
    };
    return {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { ...j.metadata, name: j.name, namespace: j.namespace, uid: j.uid, resourceVersion: String(j.resourceVersion), generation: 1, creationTimestamp: iso(j.createdAt) },
      spec: j.spec,
      status: JSON.parse(JSON.stringify(status)) as Json,
    };
  }

  private renderPod(p: PodRec): Json {
    let phase = 'Pending';
    let state: Json;
    const conditions: Json[] = [];
    if (p.nodeName === null) {
      state = { waiting: { reason: 'ContainerCreating' } };
      if (p.unschedulableMessage) {
        conditions.push({ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: p.unschedulableMessage, lastTransitionTime: iso(p.createdAt + this.timing.scheduleMs) });
      }
    } else {
      conditions.push({ type: 'PodScheduled', status: 'True', lastTransitionTime: iso(p.scheduledAt!) });
      if (p.startedAt === null) {
        const pulling = p.scenario === 'imagepullbackoff';
        const backoff = pulling && this.now() >= p.scheduledAt! + this.timing.startMs;
        state = pulling
          ? { waiting: { reason: backoff ? 'ImagePullBackOff' : 'ErrImagePull', message: backoff ? `Back-off pulling image "${p.image}"` : `rpc error: code = NotFound desc = failed to pull and unpack image "${p.image}": not found` } }
          : p.configError
            ? { waiting: { reason: 'CreateContainerConfigError', message: p.configError } }
            : { waiting: { reason: 'ContainerCreating' } };
      } else if (!p.exit) {
        phase = 'Running';
        state = { running: { startedAt: iso(p.startedAt) } };
      } else {
        phase = p.exit.code === 0 ? 'Succeeded' : 'Failed';
        state = { terminated: { exitCode: p.exit.code, reason: p.exit.reason, message: p.exit.message, startedAt: iso(p.startedAt), finishedAt: iso(p.finishedAt!) } };
      }
    }
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: p.name,
        namespace: p.namespace,
        uid: p.uid,
        resourceVersion: String(p.resourceVersion),
        creationTimestamp: iso(p.createdAt),
        labels: p.labels,
        annotations: p.annotations,
        ownerReferences: p.ownerJob ? [{ apiVersion: 'batch/v1', kind: 'Job', name: p.ownerJob.name, uid: p.ownerJob.uid, controller: true, blockOwnerDeletion: true }] : undefined,
      },
      spec: { ...p.spec, nodeName: p.nodeName ?? undefined },
      status: {
        phase,
        conditions,
        startTime: p.nodeName ? iso(p.scheduledAt!) : undefined,
        containerStatuses: p.nodeName ? [{ name: p.containerName, image: p.image, imageID: '', ready: phase === 'Running', started: phase === 'Running', restartCount: 0, state }] : undefined,
        qosClass: 'Guaranteed',
      },
    };
  }

  private renderSecret(s: SecretRec): Json {
    return {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: s.name,
        namespace: s.namespace,
        uid: s.uid,
        resourceVersion: String(s.resourceVersion),
        creationTimestamp: iso(s.createdAt),
        labels: s.labels,
        annotations: s.annotations,
        ownerReferences: s.ownerReferences.length ? s.ownerReferences.map((o) => JSON.parse(JSON.stringify(o)) as Json) : undefined,
      },
      type: s.type,
      data: Object.keys(s.data).length ? { ...s.data } : undefined,
      immutable: s.immutable || undefined,
    };
  }

  private renderNode(n: FakeNode): Json {
    const allocatable: Record<string, string> = { cpu: n.cpu, memory: n.memory, pods: '110' };
    if (n.gpus) allocatable['nvidia.com/gpu'] = String(n.gpus);
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: n.name, uid: this.nodeUids.get(n.name), creationTimestamp: iso(this.startedAt), labels: { 'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux', ...n.labels } },
      spec: { taints: n.taints, unschedulable: n.unschedulable || undefined },
      status: { allocatable, capacity: allocatable, conditions: [{ type: 'Ready', status: 'True' }] },
    };
  }

  // -------------------------------------------------------------------------
  // HTTP

  private authenticate(req: IncomingMessage): FakeUser | null | 'invalid' {
    const header = req.headers.authorization;
    if (header) {
      const m = /^Bearer (.+)$/.exec(header);
      const user = m ? this.users.find((u) => u.token && u.token === m[1]) : undefined;
      return user ?? 'invalid';
    }
    const socket = req.socket as TLSSocket;
    if (socket.authorized) {
      const cn = socket.getPeerCertificate().subject?.CN;
      const user = this.users.find((u) => u.clientCertificate && u.name === cn);
      if (user) return user;
    }
    return null;
  }

  private rulesFor(user: FakeUser, namespace: string | null): FakeRule[] {
    return user.rules.filter((r) => !r.namespaces || (namespace !== null && r.namespaces.includes(namespace)));
  }

  private allowed(user: FakeUser, verb: string, group: string, resource: string, namespace: string | null): boolean {
    if (group === 'authorization.k8s.io' && (resource === 'selfsubjectrulesreviews' || resource === 'selfsubjectaccessreviews')) return true;
    const [res, sub] = resource.split('/') as [string, string | undefined];
    return this.rulesFor(user, namespace).some(
      (r) =>
        (r.verbs.includes('*') || r.verbs.includes(verb)) &&
        (r.apiGroups.includes('*') || r.apiGroups.includes(group)) &&
        (r.resources.includes('*') || r.resources.includes(resource) || (sub !== undefined && r.resources.includes(`*/${sub}`)) || (sub === undefined && r.resources.includes(res))),
    );
  }

  /** Sends the response; returns its body's size. */
  private send(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): number {
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
    res.writeHead(code, { 'content-type': contentType, 'content-length': bytes.length });
    res.end(bytes);
    return bytes.length;
  }

  private status(code: number, reason: string, message: string, details?: Json): Json {
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: code < 400 ? 'Success' : 'Failure', message, reason, details, code };
  }

  private async readBody(req: IncomingMessage): Promise<Json> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > 3 * 1024 * 1024) throw new FakeApiError(413, 'RequestEntityTooLarge', 'Request entity too large');
      chunks.push(c as Buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    if (!text) return {};
    try {
      return JSON.parse(text) as Json;
    } catch {
      throw new FakeApiError(400, 'BadRequest', 'the request body is not valid JSON');
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://fake');
    const method = req.method ?? 'GET';
    let user: FakeUser | null | 'invalid' = null;
    try {
      this.reconcile();
      user = this.authenticate(req);
      const publicPath = ['/version', '/healthz', '/livez', '/readyz'].includes(url.pathname.replace(/\/$/, ''));
      if (user === 'invalid' || (user === null && !publicPath)) throw new FakeApiError(401, 'Unauthorized', 'Unauthorized');
      const body = method === 'POST' || method === 'PUT' || method === 'DELETE' ? await this.readBody(req) : {};
      const [code, out, type] = this.route(method, url, user, body);
      const bytes = this.send(res, code, out, type);
      this.requests.push({ method, path: url.pathname, query: url.search, user: user?.name ?? null, status: code, bytes });
    } catch (e) {
      const err = e instanceof FakeApiError ? e : new FakeApiError(500, 'InternalError', (e as Error).message);
      const bytes = this.send(res, err.code, this.status(err.code, err.reason, err.message, err.details));
      this.requests.push({ method, path: url.pathname, query: url.search, user: user && user !== 'invalid' ? user.name : null, status: err.code, bytes });
    }
  }

  private authorize(user: FakeUser | null, verb: string, group: string, resource: string, namespace: string | null, name?: string): void {
    if (!user) throw new FakeApiError(401, 'Unauthorized', 'Unauthorized');
    if (this.allowed(user, verb, group, resource, namespace)) return;
    const [res, sub] = resource.split('/');
    const what = `${res}${group ? `.${group}` : ''}${name ? ` "${name}"` : ''}`;
    const where = namespace ? ` in the namespace "${namespace}"` : ' at the cluster scope';
    throw new FakeApiError(
      403,
      'Forbidden',
      `${what} is forbidden: User "${user.name}" cannot ${verb} resource "${res}${sub ? `/${sub}` : ''}" in API group "${group}"${where}`,
      { name, group, kind: res },
    );
  }

  private requireNamespace(ns: string): void {
    if (!this.namespaces.has(ns)) throw new FakeApiError(404, 'NotFound', `namespaces "${ns}" not found`, { name: ns, kind: 'namespaces' });
  }

  private route(method: string, url: URL, user: FakeUser | null, body: Json): [number, unknown, string?] {
    const p = url.pathname.replace(/\/+$/, '');
    const q = url.searchParams;
    if (q.get('watch') === 'true' || q.get('watch') === '1') throw new FakeApiError(400, 'BadRequest', 'watch is not supported by this fake');
    let m: RegExpExecArray | null;

    if (p === '/version' && method === 'GET') {
      return [200, { major: '1', minor: '31', gitVersion: 'v1.31.0-gantry-fake', gitCommit: '0', gitTreeState: 'clean', buildDate: '2024-08-13T00:00:00Z', goVersion: 'go1.22.5', compiler: 'gc', platform: 'linux/amd64' }];
    }
    if (['/healthz', '/livez', '/readyz'].includes(p)) return [200, 'ok', 'text/plain'];

    // Discovery (kubectl needs it; authenticated users may read it, as with system:discovery).
    if (method === 'GET' && p in DISCOVERY) return [200, DISCOVERY[p]];

    if (p === '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews' && method === 'POST') {
      const ns = ((body.spec ?? {}) as Json).namespace;
      if (typeof ns !== 'string' || !ns) throw new FakeApiError(400, 'BadRequest', 'spec.namespace: Required value: no namespace on request');
      const u = user!;
      const resourceRules = [
        { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
        ...(u.rulesIncomplete ? [] : this.rulesFor(u, ns).map((r) => ({ verbs: r.verbs, apiGroups: r.apiGroups, resources: r.resources }))),
      ];
      const status: Json = {
        resourceRules,
        nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/readyz', '/version', '/version/'] }],
        incomplete: Boolean(u.rulesIncomplete),
      };
      if (u.rulesIncomplete) status.evaluationError = 'webhook authorizer does not support user rule resolution';
      return [201, { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', metadata: {}, spec: { namespace: ns }, status }];
    }
    if (p === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews' && method === 'POST') {
      const spec = (body.spec ?? {}) as Json;
      const a = (spec.resourceAttributes ?? {}) as Record<string, string | undefined>;
      const resource = a.subresource ? `${a.resource}/${a.subresource}` : (a.resource ?? '');
      const allowed = this.allowed(user!, a.verb ?? '', a.group ?? '', resource, a.namespace || null);
      return [201, { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: {}, spec, status: { allowed, reason: allowed ? 'RBAC: allowed' : undefined } }];
    }

    if (p === '/api/v1/namespaces' && method === 'GET') {
      this.authorize(user, 'list', '', 'namespaces', null);
      const items = [...this.namespaces.entries()].map(([name, n]) => this.renderNamespace(name, n));
      return [200, { apiVersion: 'v1', kind: 'NamespaceList', metadata: { resourceVersion: String(this.rv) }, items }];
    }
    if ((m = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(p)) && method === 'GET') {
      const name = decodeURIComponent(m[1]!);
      this.authorize(user, 'get', '', 'namespaces', null, name);
      const n = this.namespaces.get(name);
      if (!n) throw new FakeApiError(404, 'NotFound', `namespaces "${name}" not found`, { name, kind: 'namespaces' });
      return [200, this.renderNamespace(name, n)];
    }
    if (p === '/api/v1/nodes' && method === 'GET') {
      this.authorize(user, 'list', '', 'nodes', null);
      const sel = parseSelector(q.get('labelSelector'));
      const items = this.nodes.map((n) => this.renderNode(n)).filter((n) => sel(((n.metadata as Json).labels ?? {}) as Record<string, string>));
      return [200, { apiVersion: 'v1', kind: 'NodeList', metadata: { resourceVersion: String(this.rv) }, items }];
    }

    if ((m = /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs(?:\/([^/]+))?$/.exec(p))) {
      const ns = decodeURIComponent(m[1]!);
      const name = m[2] ? decodeURIComponent(m[2]) : undefined;
      if (!name && method === 'GET') {
        this.authorize(user, 'list', 'batch', 'jobs', ns);
        const sel = parseSelector(q.get('labelSelector'));
        const items = [...this.jobs.values()].filter((j) => j.namespace === ns).map((j) => this.renderJob(j)).filter((j) => sel(((j.metadata as Json).labels ?? {}) as Record<string, string>));
        return [200, { apiVersion: 'batch/v1', kind: 'JobList', metadata: { resourceVersion: String(this.rv) }, items }];
      }
      if (!name && method === 'POST') {
        this.authorize(user, 'create', 'batch', 'jobs', ns);
        this.requireNamespace(ns);
        return this.createJob(ns, body);
      }
      if (name && method === 'GET') {
        this.authorize(user, 'get', 'batch', 'jobs', ns, name);
        const j = this.jobs.get(`${ns}/${name}`);
        if (!j) throw new FakeApiError(404, 'NotFound', `jobs.batch "${name}" not found`, { name, group: 'batch', kind: 'jobs' });
        return [200, this.renderJob(j)];
      }
      if (name && method === 'DELETE') {
        this.authorize(user, 'delete', 'batch', 'jobs', ns, name);
        const j = this.jobs.get(`${ns}/${name}`);
        if (!j) throw new FakeApiError(404, 'NotFound', `jobs.batch "${name}" not found`, { name, group: 'batch', kind: 'jobs' });
        // The API's default for batch/v1 Jobs is to orphan their pods.
        const policy = q.get('propagationPolicy') ?? (body.propagationPolicy as string | undefined) ?? 'Orphan';
        this.deleteJob(j, policy);
        return [200, this.status(200, '', '', { name, group: 'batch', kind: 'jobs', uid: j.uid })];
      }
      throw new FakeApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    }

    if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/secrets(?:\/([^/]+))?$/.exec(p))) {
      const ns = decodeURIComponent(m[1]!);
      const name = m[2] ? decodeURIComponent(m[2]) : undefined;
      const notFound = (n: string) => new FakeApiError(404, 'NotFound', `secrets "${n}" not found`, { name: n, kind: 'secrets' });
      if (!name && method === 'GET') {
        this.authorize(user, 'list', '', 'secrets', ns);
        const sel = parseSelector(q.get('labelSelector'));
        const items = [...this.secrets.values()].filter((x) => x.namespace === ns && sel(x.labels ?? {})).map((x) => this.renderSecret(x));
        return [200, { apiVersion: 'v1', kind: 'SecretList', metadata: { resourceVersion: String(this.rv) }, items }];
      }
      if (!name && method === 'POST') {
        this.authorize(user, 'create', '', 'secrets', ns);
        this.requireNamespace(ns);
        return this.createSecret(ns, body);
      }
      if (name && method === 'GET') {
        this.authorize(user, 'get', '', 'secrets', ns, name);
        const secret = this.secrets.get(`${ns}/${name}`);
        if (!secret) throw notFound(name);
        return [200, this.renderSecret(secret)];
      }
      if (name && method === 'PUT') {
        this.authorize(user, 'update', '', 'secrets', ns, name);
        const secret = this.secrets.get(`${ns}/${name}`);
        // Secrets are not created by an update.
        if (!secret) throw notFound(name);
        return this.replaceSecret(secret, name, body);
      }
      if (name && method === 'DELETE') {
        this.authorize(user, 'delete', '', 'secrets', ns, name);
        const secret = this.secrets.get(`${ns}/${name}`);
        if (!secret) throw notFound(name);
        this.secrets.delete(`${ns}/${name}`);
        return [200, this.status(200, '', '', { name, kind: 'secrets', uid: secret.uid })];
      }
      throw new FakeApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    }

    if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/pods(?:\/([^/]+))?(?:\/(log))?$/.exec(p))) {
      const ns = decodeURIComponent(m[1]!);
      const name = m[2] ? decodeURIComponent(m[2]) : undefined;
      if (!name && method === 'GET') {
        this.authorize(user, 'list', '', 'pods', ns);
        const sel = parseSelector(q.get('labelSelector'));
        const items = [...this.pods.values()].filter((x) => x.namespace === ns && sel(x.labels)).map((x) => this.renderPod(x));
        return [200, { apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: String(this.rv) }, items }];
      }
      if (name && m[3] === 'log' && method === 'GET') {
        this.authorize(user, 'get', '', 'pods/log', ns, name);
        const pod = this.pods.get(`${ns}/${name}`);
        if (!pod) throw new FakeApiError(404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' });
        const container = q.get('container') ?? pod.containerName;
        if (container !== pod.containerName) throw new FakeApiError(400, 'BadRequest', `container ${container} is not valid for pod ${name}`);
        if (pod.startedAt === null) {
          const why = pod.scenario === 'imagepullbackoff' && pod.nodeName ? 'trying and failing to pull image' : pod.configError ? 'CreateContainerConfigError' : 'ContainerCreating';
          throw new FakeApiError(400, 'BadRequest', `container "${container}" in pod "${name}" is waiting to start: ${why}`);
        }
        return [200, this.renderLog(pod, q), 'text/plain'];
      }
      if (name && !m[3] && method === 'GET') {
        this.authorize(user, 'get', '', 'pods', ns, name);
        const pod = this.pods.get(`${ns}/${name}`);
        if (!pod) throw new FakeApiError(404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' });
        return [200, this.renderPod(pod)];
      }
      if (name && !m[3] && method === 'DELETE') {
        this.authorize(user, 'delete', '', 'pods', ns, name);
        const pod = this.pods.get(`${ns}/${name}`);
        if (!pod) throw new FakeApiError(404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' });
        const out = this.renderPod(pod);
        this.pods.delete(`${ns}/${name}`);
        return [200, out];
      }
      throw new FakeApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    }

    throw new FakeApiError(404, 'NotFound', 'the server could not find the requested resource');
  }

  private renderNamespace(name: string, n: { uid: string; createdAt: number }): Json {
    return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, uid: n.uid, creationTimestamp: iso(n.createdAt), labels: { 'kubernetes.io/metadata.name': name } }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
  }

  private createJob(ns: string, body: Json): [number, unknown] {
    const problems = validateJob(body);
    const meta = (body.metadata ?? {}) as Json;
    const name = String(meta.name ?? '');
    if (problems.length) {
      throw new FakeApiError(422, 'Invalid', `Job.batch "${name}" is invalid: ${problems.join(', ')}`, {
        name,
        group: 'batch',
        kind: 'Job',
        causes: problems.map((pr) => ({ reason: 'FieldValueInvalid', message: pr, field: pr.split(':')[0] })),
      });
    }
    const key = `${ns}/${name}`;
    if (this.jobs.has(key)) throw new FakeApiError(409, 'AlreadyExists', `jobs.batch "${name}" already exists`, { name, group: 'batch', kind: 'jobs' });
    const uid = randomUUID();
    const spec = structuredClone((body.spec ?? {}) as Json);
    // Defaults and the selector the API server adds.
    spec.parallelism ??= 1;
    spec.completions ??= 1;
    spec.backoffLimit ??= 6;
    spec.completionMode ??= 'NonIndexed';
    spec.suspend ??= false;
    spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
    const template = (spec.template ?? {}) as Json;
    const tmeta = (template.metadata ?? {}) as Json;
    tmeta.labels = { ...((tmeta.labels as Json | undefined) ?? {}), 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': name, 'controller-uid': uid, 'job-name': name };
    template.metadata = tmeta;
    spec.template = template;
    const job: JobRec = {
      name,
      namespace: ns,
      uid,
      resourceVersion: this.bump(),
      metadata: { labels: meta.labels, annotations: meta.annotations },
      spec,
      createdAt: this.now(),
      startTime: null,
      succeeded: 0,
      failed: 0,
      finished: null,
    };
    this.jobs.set(key, job);
    this.syncJob(job, this.now());
    return [201, this.renderJob(job)];
  }

  private invalidSecret(name: string, problems: string[]): FakeApiError {
    return new FakeApiError(422, 'Invalid', `Secret "${name}" is invalid: ${problems.join(', ')}`, {
      name,
      kind: 'Secret',
      causes: problems.map((pr) => ({ reason: 'FieldValueInvalid', message: pr, field: pr.split(':')[0] })),
    });
  }

  private createSecret(ns: string, body: Json): [number, unknown] {
    const s = secretFromBody(body, ns);
    if (s.problems.length) throw this.invalidSecret(s.name, s.problems);
    const key = `${ns}/${s.name}`;
    if (this.secrets.has(key)) throw new FakeApiError(409, 'AlreadyExists', `secrets "${s.name}" already exists`, { name: s.name, kind: 'secrets' });
    const secret: SecretRec = {
      name: s.name,
      namespace: ns,
      uid: randomUUID(),
      resourceVersion: this.bump(),
      labels: s.labels,
      annotations: s.annotations,
      ownerReferences: s.ownerReferences,
      type: s.type,
      data: s.data,
      immutable: s.immutable,
      createdAt: this.now(),
    };
    this.secrets.set(key, secret);
    return [201, this.renderSecret(secret)];
  }

  /** PUT: the body replaces the object; a `resourceVersion` in it must be the current one. */
  private replaceSecret(secret: SecretRec, urlName: string, body: Json): [number, unknown] {
    const s = secretFromBody(body, secret.namespace);
    if (s.name !== urlName) throw new FakeApiError(400, 'BadRequest', `the name of the object (${s.name}) does not match the name on the URL (${urlName})`);
    const rv = ((body.metadata ?? {}) as Json).resourceVersion;
    if (rv !== undefined && rv !== '' && String(rv) !== String(secret.resourceVersion)) {
      throw new FakeApiError(409, 'Conflict', `Operation cannot be fulfilled on secrets "${urlName}": the object has been modified; please apply your changes to the latest version and try again`, { name: urlName, kind: 'secrets' });
    }
    const problems = [...s.problems];
    if (s.type !== secret.type) problems.push(`type: Invalid value: "${s.type}": field is immutable`);
    if (secret.immutable) {
      const same = Object.keys(s.data).length === Object.keys(secret.data).length && Object.entries(s.data).every(([k, v]) => secret.data[k] === v);
      if (!same) problems.push('data: Forbidden: field is immutable when `immutable` is set');
      if (!s.immutable) problems.push('immutable: Forbidden: field is immutable when `immutable` is set');
    }
    if (problems.length) throw this.invalidSecret(urlName, problems);
    Object.assign(secret, {
      labels: s.labels,
      annotations: s.annotations,
      ownerReferences: s.ownerReferences,
      data: s.data,
      immutable: s.immutable,
      resourceVersion: this.bump(),
    });
    return [200, this.renderSecret(secret)];
  }
}

/** Starts a fake API server; stop it with `stop()`. */
export function startKubernetesFake(opts: KubernetesFakeOptions = {}): Promise<KubernetesFake> {
  return KubernetesFake.start(opts);
}
