// Gantry's own Kubernetes manifests: their settings are ones the processes read and accept, and a
// real kube-apiserver (testing/kube-control-plane.ts) takes them, strictly validated and under the
// restricted Pod Security Standard, and runs them (KWOK plays the kubelet: pods are scheduled and
// become Ready without running the images, so the probes themselves are not exercised).
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV_NAMES, readEnv } from '../../config/env';
import { startKubeControlPlane, type KubeControlPlane } from '../../testing/kube-control-plane';
import { waitFor } from '../../testing/wait-for';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DIR = path.join(ROOT, 'deploy/kubernetes');
const SECRET_TEMPLATE = 'secret.example.yaml';
const NAMESPACE = 'gantry';

/**
 * Variables a container may set that config/env.ts does not read, each with the file that reads it
 * (checked below, so an entry cannot outlive its reader).
 */
const READ_ELSEWHERE: Record<string, string> = {
  PORT: 'scripts/web-server.ts',
  NEXTAUTH_URL: 'node_modules/next-auth/utils/detect-origin.js',
};

/** What an operator puts in the Secrets, well-formed. */
const FILLED: Record<string, string> = {
  DATABASE_APP_URL: 'postgres://gantry_app:app-password@db.example.com:5432/gantry',
  AUTH_SECRET: randomBytes(32).toString('base64'),
  GANTRY_ENCRYPTION_KEYS: `main:${randomBytes(32).toString('base64')}`,
  S3_ACCESS_KEY_ID: 'gantry',
  S3_SECRET_ACCESS_KEY: randomBytes(24).toString('base64'),
  DATABASE_URL: 'postgres://gantry_owner:owner-password@db.example.com:5432/gantry',
  DATABASE_APP_PASSWORD: 'app-password',
};

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } };
}
interface Container {
  name: string;
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: { template?: { spec?: { containers: Container[] } } };
}

const readText = (file: string) => readFileSync(path.join(DIR, file), 'utf8');
const objectsOf = (file: string) => parseAllDocuments(readText(file)).map((d) => d.toJS() as K8sObject);
const kustomization = parse(readText('kustomization.yaml')) as { resources: string[] };
const applied = kustomization.resources.flatMap(objectsOf);
const secrets = objectsOf(SECRET_TEMPLATE);
const configMaps = applied.filter((o) => o.kind === 'ConfigMap');
const workloads = applied.filter((o) => o.spec?.template?.spec);
const containers = workloads.flatMap((w) => w.spec!.template!.spec!.containers.map((c) => ({ where: `${w.kind}/${w.metadata.name}`, container: c })));

/**
 * A container's environment as the kubelet would assemble it (envFrom, then env with `$(VAR)`
 * expanded), over the image's own NODE_ENV=production; secrets from `secretValues`.
 */
function containerEnv(container: Container, secretValues: (secret: string, key: string) => string): Record<string, string> {
  const out: Record<string, string> = { NODE_ENV: 'production' };
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef) Object.assign(out, configMaps.find((c) => c.metadata.name === from.configMapRef!.name)?.data);
    if (from.secretRef) {
      const secret = secrets.find((s) => s.metadata.name === from.secretRef!.name);
      for (const key of Object.keys(secret?.stringData ?? {})) out[key] = secretValues(from.secretRef.name, key);
    }
  }
  for (const v of container.env ?? []) {
    if (v.value !== undefined) out[v.name] = v.value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => out[name] ?? whole);
    else if (v.valueFrom?.secretKeyRef) out[v.name] = secretValues(v.valueFrom.secretKeyRef.name, v.valueFrom.secretKeyRef.key);
  }
  return out;
}
const filled = (_secret: string, key: string) => FILLED[key] ?? '';
const asTemplated = (secret: string, key: string) => secrets.find((s) => s.metadata.name === secret)?.stringData?.[key] ?? '';

describe('the manifests, read', () => {
  it('are all applied by the kustomization, except the Secret template', () => {
    const yamlFiles = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect(yamlFiles.filter((f) => f !== SECRET_TEMPLATE).sort()).toEqual([...kustomization.resources].sort());
    expect(kustomization.resources).not.toContain(SECRET_TEMPLATE);
  });

  it('name only settings the processes read', () => {
    for (const [name, reader] of Object.entries(READ_ELSEWHERE)) expect(readFileSync(path.join(ROOT, reader), 'utf8'), `${name} in ${reader}`).toContain(`process.env.${name}`);
    const known = new Set<string>([...ENV_NAMES, ...Object.keys(READ_ELSEWHERE)]);
    const named = [
      ...configMaps.flatMap((c) => Object.keys(c.data ?? {}).map((k) => `ConfigMap/${c.metadata.name} ${k}`)),
      ...secrets.flatMap((s) => Object.keys(s.stringData ?? {}).map((k) => `Secret/${s.metadata.name} ${k}`)),
      ...containers.flatMap(({ where, container }) => (container.env ?? []).map((v) => `${where} ${v.name}`)),
    ];
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter((n) => !known.has(n.split(' ')[1]!))).toEqual([]);
  });

  it('refer only to ConfigMaps, Secrets, keys and variables that exist', () => {
    const problems: string[] = [];
    for (const { where, container } of containers) {
      const visible = new Set<string>();
      for (const from of container.envFrom ?? []) {
        const ref = from.configMapRef ?? from.secretRef;
        const source = from.configMapRef ? configMaps.find((c) => c.metadata.name === ref!.name) : secrets.find((s) => s.metadata.name === ref!.name);
        if (!source) problems.push(`${where}: no ${from.configMapRef ? 'ConfigMap' : 'Secret'} ${ref!.name}`);
        for (const key of Object.keys(source?.data ?? source?.stringData ?? {})) visible.add(key);
      }
      for (const v of container.env ?? []) {
        const ref = v.valueFrom?.secretKeyRef;
        if (ref && !(ref.key in (secrets.find((s) => s.metadata.name === ref.name)?.stringData ?? {}))) problems.push(`${where}: no key ${ref.key} in Secret ${ref.name}`);
        // Kubernetes leaves an unknown $(VAR) in place, silently.
        for (const [, name] of (v.value ?? '').matchAll(/\$\(([^)]+)\)/g)) if (!visible.has(name!)) problems.push(`${where}: ${v.name} refers to $(${name}), which the container does not have`);
        visible.add(v.name);
      }
    }
    expect(problems).toEqual([]);
  });

  it('keep the database owner away from the web, worker and gateway pods', () => {
    const owner = 'gantry-database-owner';
    const readers = containers.filter(({ container }) => JSON.stringify(container).includes(`"${owner}"`)).map(({ where }) => where);
    expect(readers).toEqual(['Job/gantry-migrate']);
    expect(Object.keys(secrets.find((s) => s.metadata.name === owner)!.stringData!).sort()).toEqual(['DATABASE_APP_PASSWORD', 'DATABASE_URL']);
  });

  it('start every process once the Secrets are filled in, and none with the template as it is', () => {
    expect(Object.keys(FILLED).sort()).toEqual(secrets.flatMap((s) => Object.keys(s.stringData ?? {})).sort());
    expect(containers.map((c) => c.where).sort()).toEqual(['Deployment/gantry-gateway', 'Deployment/gantry-web', 'Deployment/gantry-worker', 'Job/gantry-migrate']);
    for (const { where, container } of containers) {
      const config = readEnv(containerEnv(container, filled));
      expect(config.NODE_ENV, where).toBe('production');
      // An unfilled template, and each value left empty on its own, stop the process at start.
      expect(() => readEnv(containerEnv(container, asTemplated)), where).toThrow(/Invalid environment configuration/);
      for (const key of Object.keys(containerEnv(container, filled)).filter((k) => k in FILLED)) {
        expect(() => readEnv(containerEnv(container, (s, k) => (k === key ? asTemplated(s, k) : filled(s, k)))), `${where} with ${key} unfilled`).toThrow(key);
      }
    }
    const web = containers.find((c) => c.where === 'Deployment/gantry-web')!.container;
    const webEnv = containerEnv(web, filled);
    expect(webEnv.NEXTAUTH_URL).toBe(webEnv.GANTRY_PUBLIC_URL);
    expect(readEnv(webEnv)).toMatchObject({ LOCAL_JOBS_ENABLED: false, ARTIFACT_STORE: 's3' });
  });
});

describe('the manifests, on a real kube-apiserver', () => {
  let cp: KubeControlPlane;
  beforeAll(async () => {
    cp = await startKubeControlPlane();
  });
  afterAll(async () => {
    await cp?.stop();
  });

  const kubectl = async (args: string[], input?: string) => {
    const result = await cp.kubectl(args, input === undefined ? undefined : { input });
    return { ...result, output: `${result.stdout}\n${result.stderr}` };
  };
  /** The kustomization as kubectl renders it (images and namespace filled in). */
  const rendered = async () => {
    const { code, stdout, stderr } = await kubectl(['kustomize', DIR]);
    expect(code, stderr).toBe(0);
    return parseAllDocuments(stdout).map((d) => d.toJS() as K8sObject & Record<string, unknown>);
  };

  it('accepts every manifest in a server-side dry run, strictly validated, without a warning', async () => {
    // A dry run creates nothing, so the namespaced objects need the namespace to exist already.
    expect((await kubectl(['apply', '-f', path.join(DIR, 'namespace.yaml')])).code).toBe(0);
    for (const args of [['-k', DIR], ['-f', path.join(DIR, SECRET_TEMPLATE)]]) {
      const result = await kubectl(['apply', '--dry-run=server', '--validate=strict', ...args]);
      expect(result.code, result.output).toBe(0);
      expect(result.stderr, 'a warning (deprecated API, Pod Security)').not.toMatch(/warning/i);
      expect(result.stdout).toMatch(/\(server dry run\)/);
    }
  });

  it('refuses a manifest with a field Kubernetes does not have', async () => {
    const web = (await rendered()).find((o) => o.kind === 'Deployment' && o.metadata.name === 'gantry-web')!;
    const container = web.spec!.template!.spec!.containers[0] as unknown as Record<string, unknown>;
    container.readinessProbe = { ...(container.readinessProbe as object), initialDelay: 5 };
    const result = await kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', '-'], stringify(web));
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/unknown field "spec\.template\.spec\.containers\[0\]\.readinessProbe\.initialDelay"/);
  });

  it('enforces the restricted Pod Security Standard in the namespace: the pods as written pass, one allowed to escalate does not', async () => {
    const job = (await rendered()).find((o) => o.kind === 'Job')!;
    // A bare pod of the migration Job's spec is checked on creation (a workload only warns); the
    // service account is left out, as the dry runs have not created it.
    const podOf = (name: string, spec: Record<string, unknown>) =>
      stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NAMESPACE }, spec: { ...spec, serviceAccountName: undefined } });
    const spec = job.spec!.template!.spec! as unknown as Record<string, unknown> & { containers: Record<string, unknown>[] };
    const asWritten = await kubectl(['apply', '--dry-run=server', '-f', '-'], podOf('migrate', spec));
    expect(asWritten.code, asWritten.output).toBe(0);
    const escalating = { ...spec, containers: spec.containers.map((c) => ({ ...c, securityContext: { ...(c.securityContext as object), allowPrivilegeEscalation: true } })) };
    const refused = await kubectl(['apply', '--dry-run=server', '-f', '-'], podOf('escalating-migrate', escalating));
    expect(refused.code).not.toBe(0);
    expect(refused.output).toMatch(/violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false/);
  });

  it('runs them: the migration Job completes, every Deployment becomes available, the Services find the web and gateway pods', async () => {
    const secretsApplied = await kubectl(['apply', '-f', path.join(DIR, SECRET_TEMPLATE)]);
    expect(secretsApplied.code, secretsApplied.output).toBe(0);
    const result = await kubectl(['apply', '-k', DIR]);
    expect(result.code, result.output).toBe(0);

    const job = await waitFor('the migration Job to complete', async () => {
      const j = await cp.admin.batch.readNamespacedJob({ name: 'gantry-migrate', namespace: NAMESPACE });
      return j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') && j;
    });
    expect(job.status?.succeeded).toBe(1);
    for (const name of ['gantry-web', 'gantry-worker', 'gantry-gateway']) {
      const deployment = await waitFor(`${name} to be available`, async () => {
        const d = await cp.admin.apps.readNamespacedDeployment({ name, namespace: NAMESPACE });
        return d.status?.availableReplicas === d.spec?.replicas && d;
      });
      expect(deployment.status?.readyReplicas, name).toBe(2);
    }
    // Each Service's selector and named port meet its pods: the EndpointSlice controller lists both, ready, on the container's port.
    for (const [service, port] of [['gantry-web', 3000], ['gantry-gateway', 3001]] as const) {
      const endpoints = await waitFor(`the ${service} Service to list both pods`, async () => {
        const { stdout } = await kubectl(['get', 'endpointslices', '-n', NAMESPACE, '-l', `kubernetes.io/service-name=${service}`, '-o', 'json']);
        const slices = JSON.parse(stdout) as { items: { endpoints?: { conditions?: { ready?: boolean } }[]; ports?: { port?: number }[] }[] };
        const ready = slices.items.flatMap((s) => (s.endpoints ?? []).filter((e) => e.conditions?.ready));
        return ready.length === 2 && slices.items;
      });
      expect(endpoints.flatMap((s) => s.ports?.map((p) => p.port)), service).toEqual([port]);
    }
    // Pods run as the manifests say, admitted under the enforced restricted profile.
    const pods = await cp.admin.core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: 'app.kubernetes.io/component=web' });
    expect(pods.items.map((p) => p.spec?.securityContext?.runAsNonRoot)).toEqual([true, true]);
  });
});
