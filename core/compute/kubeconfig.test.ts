import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HttpMethod, KubeConfig, RequestContext } from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resetEnvCache } from '../../config/env';
import { createTestPki, kubeconfigYaml, type TestPki } from '../../testing/pki';
import { KubeconfigError, renderKubeconfig, sanitizeKubeconfig, summarizeKubeconfig, type KubeconfigRejectReason } from './kubeconfig';

let dir: string;
let pki: TestPki;
let runnerCert: { cert: string; key: string };

beforeAll(() => {
  // Nothing here talks to an API server: a CA and a client certificate make the kubeconfigs.
  dir = mkdtempSync(path.join(os.tmpdir(), 'gantry-kubeconfig-test-'));
  mkdirSync(path.join(dir, 'pki'));
  pki = createTestPki(path.join(dir, 'pki'), 'gantry-kubeconfig-test-ca');
  runnerCert = pki.client('gantry-runner', 'gantry-runner', ['gantry:runners']);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A kubeconfig as an admin pastes it: the admin's token, or the runner's client certificate. */
function kubeconfig(o: { server: string; certificate?: boolean; tlsServerName?: string; namespace?: string }): string {
  return kubeconfigYaml({
    name: 'kube-test',
    server: o.server,
    caData: pki.caData,
    tlsServerName: o.tlsServerName,
    user: o.certificate ? 'gantry-runner' : 'gantry-admin',
    ...(o.certificate ? { clientCert: runnerCert } : { token: 'admin-token' }),
    namespace: o.namespace,
  });
}

afterEach(() => {
  delete process.env.CLUSTER_ALLOW_PRIVATE_ADDRESSES;
  resetEnvCache();
});

type Doc = {
  clusters: { name: string; cluster: Record<string, unknown> }[];
  users: { name: string; user: Record<string, unknown> }[];
  contexts: { name: string; context: Record<string, unknown> }[];
  [k: string]: unknown;
};

/** A valid kubeconfig for a public server, changed by `edit`. */
function config(edit: (d: Doc) => void = () => {}): string {
  const d = parse(kubeconfig({ server: 'https://35.190.0.1:6443' })) as Doc;
  edit(d);
  return stringify(d);
}

function rejected(text: string): KubeconfigError {
  try {
    sanitizeKubeconfig(text);
  } catch (e) {
    expect(e).toBeInstanceOf(KubeconfigError);
    const err = e as KubeconfigError;
    expect(err.code).toBe('BAD_USER_INPUT');
    expect(err.fields[0]?.path).toBe(err.path || 'kubeconfig');
    return err;
  }
  throw new Error('expected the kubeconfig to be rejected');
}

/** A file whose next read moves its access time off the epoch (checked to work on this filesystem first). */
function readDetector(name: string): { path: string; wasRead(): boolean } {
  const file = path.join(dir, name);
  writeFileSync(file, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  const reset = () => utimesSync(file, new Date(0), statSync(file).mtime);
  reset();
  readFileSync(file);
  if (statSync(file).atimeMs === 0) throw new Error('this filesystem does not record reads (noatime): the detector cannot work here');
  reset();
  return { path: file, wasRead: () => statSync(file).atimeMs !== 0 };
}

describe('sanitizeKubeconfig', () => {
  it('keeps inline server, CA, token; YAML or JSON', () => {
    const text = config((d) => {
      d.contexts[0]!.context.namespace = 'ml-jobs';
    });
    const k = sanitizeKubeconfig(text);
    expect(k).toMatchObject({ server: 'https://35.190.0.1:6443', token: 'admin-token', namespace: 'ml-jobs', clientCertificateData: null, tlsServerName: null });
    expect(Buffer.from(k.certificateAuthorityData!, 'base64').toString()).toContain('BEGIN CERTIFICATE');
    expect(sanitizeKubeconfig(JSON.stringify(parse(text)))).toEqual(k);
    expect(Object.isFrozen(k)).toBe(true);
  });

  it('keeps an inline client certificate and key, and tls-server-name', () => {
    const d = parse(kubeconfig({ certificate: true, server: 'https://35.190.0.1', tlsServerName: 'api.example.com' })) as Doc;
    const k = sanitizeKubeconfig(stringify(d));
    expect(k.token).toBeNull();
    expect(k.tlsServerName).toBe('api.example.com');
    expect(Buffer.from(k.clientCertificateData!, 'base64').toString()).toContain('BEGIN CERTIFICATE');
    expect(Buffer.from(k.clientKeyData!, 'base64').toString()).toContain('BEGIN PRIVATE KEY');
    expect(summarizeKubeconfig(k)).toMatchObject({ authentication: 'client-certificate', clientCertificateSubject: expect.stringContaining('CN=gantry-runner') });
  });

  it('round-trips through renderKubeconfig', () => {
    const k = sanitizeKubeconfig(kubeconfig({ certificate: true, server: 'https://35.190.0.1', namespace: 'x' }));
    expect(sanitizeKubeconfig(renderKubeconfig(k))).toEqual(k);
  });

  it('picks the current context among several', () => {
    const k = sanitizeKubeconfig(
      config((d) => {
        d.clusters.push({ name: 'other', cluster: { server: 'https://35.190.0.2' } });
        d.users.push({ name: 'other-user', user: { token: 'other-token' } });
        d.contexts.push({ name: 'other', context: { cluster: 'other', user: 'other-user' } });
        d['current-context'] = 'other';
      }),
    );
    expect(k).toMatchObject({ server: 'https://35.190.0.2', token: 'other-token', contextName: 'other', certificateAuthorityData: null });
  });

  it('summarizes without secrets', () => {
    const s = summarizeKubeconfig(sanitizeKubeconfig(config()));
    expect(JSON.stringify(s)).not.toContain('admin-token');
    expect(s.authentication).toBe('token');
    expect(s.certificateAuthorityFingerprints).toHaveLength(1);
  });

  const hostile: [string, KubeconfigRejectReason, string, (d: Doc) => void][] = [
    ['auth-provider', 'auth-provider-not-allowed', 'users[0].user.auth-provider', (d) => (d.users[0]!.user['auth-provider'] = { name: 'oidc', config: { 'idp-issuer-url': 'https://issuer' } })],
    ['proxy-url', 'proxy-not-allowed', 'clusters[0].cluster.proxy-url', (d) => (d.clusters[0]!.cluster['proxy-url'] = 'http://10.0.0.1:3128')],
    ['insecure-skip-tls-verify', 'insecure-tls-not-allowed', 'clusters[0].cluster.insecure-skip-tls-verify', (d) => (d.clusters[0]!.cluster['insecure-skip-tls-verify'] = true)],
    ['insecure-skip-tls-verify as a string', 'insecure-tls-not-allowed', 'clusters[0].cluster.insecure-skip-tls-verify', (d) => (d.clusters[0]!.cluster['insecure-skip-tls-verify'] = 'yes')],
    ['basic auth', 'basic-auth-not-allowed', 'users[0].user.username', (d) => Object.assign(d.users[0]!.user, { username: 'admin', password: 'x' })],
    ['impersonation', 'impersonation-not-allowed', 'users[0].user.as', (d) => (d.users[0]!.user.as = 'system:admin')],
    ['an unknown user field', 'unsupported-field', 'users[0].user.keyFile', (d) => (d.users[0]!.user.keyFile = '/etc/shadow')],
    ['an unknown top-level field', 'unsupported-field', 'kind2', (d) => (d.kind2 = 'x')],
    ['metadata server', 'server-address-blocked', 'clusters[0].cluster.server', (d) => (d.clusters[0]!.cluster.server = 'https://169.254.169.254')],
    ['metadata server (IPv4-mapped IPv6)', 'server-address-blocked', 'clusters[0].cluster.server', (d) => (d.clusters[0]!.cluster.server = 'https://[::ffff:a9fe:a9fe]')],
    ['AWS metadata server on IPv6', 'server-address-blocked', 'clusters[0].cluster.server', (d) => (d.clusters[0]!.cluster.server = 'https://[fd00:ec2::254]')],
    ['loopback in hex', 'server-address-blocked', 'clusters[0].cluster.server', (d) => (d.clusters[0]!.cluster.server = 'https://0x7f.0.0.1:6443')],
    ['loopback as a number', 'server-address-blocked', 'clusters[0].cluster.server', (d) => (d.clusters[0]!.cluster.server = 'https://2130706433')],
    ['a private address', 'server-address-blocked', 'clusters[0].cluster.server', (d) => (d.clusters[0]!.cluster.server = 'https://10.0.0.12:6443')],
    ['IPv6 loopback', 'server-address-blocked', 'clusters[0].cluster.server', (d) => (d.clusters[0]!.cluster.server = 'https://[::1]:6443')],
    ['http', 'server-not-https', 'clusters[0].cluster.server', (d) => (d.clusters[0]!.cluster.server = 'http://35.190.0.1')],
    ['credentials in the URL', 'invalid-value', 'clusters[0].cluster.server', (d) => (d.clusters[0]!.cluster.server = 'https://u:p@35.190.0.1')],
    ['a token with a newline', 'invalid-value', 'users[0].user.token', (d) => (d.users[0]!.user.token = 'abc\r\nX-Injected: 1')],
    ['no credentials', 'no-credentials', 'users[0].user', (d) => (d.users[0]!.user = {})],
    ['a CA that is not a certificate', 'invalid-certificate', 'clusters[0].cluster.certificate-authority-data', (d) => (d.clusters[0]!.cluster['certificate-authority-data'] = Buffer.from('hello').toString('base64'))],
    ['a missing context', 'context-not-found', 'current-context', (d) => (d['current-context'] = 'nope')],
    ['a context naming a missing user', 'context-not-found', 'contexts[0].context.user', (d) => (d.contexts[0]!.context.user = 'ghost')],
  ];

  it.each(hostile)('refuses %s', (_label, reason, fieldPath, edit) => {
    const e = rejected(config(edit));
    expect(e.reason).toBe(reason);
    expect(e.path).toBe(fieldPath);
    expect(e.message).toContain(fieldPath);
  });

  it('refuses forbidden fields in entries that are not in use', () => {
    const e = rejected(
      config((d) => {
        d.users.push({ name: 'eks', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'aws', args: ['eks', 'get-token'] } } });
      }),
    );
    expect(e).toMatchObject({ reason: 'exec-not-allowed', path: 'users[1].user.exec' });
  });

  it('refuses a private server unless the operator allows it', () => {
    const text = config((d) => (d.clusters[0]!.cluster.server = 'https://10.0.0.12:6443'));
    expect(rejected(text).message).toMatch(/10\.0\.0\.12 is a private address.*CLUSTER_ALLOW_PRIVATE_ADDRESSES=true/);
    process.env.CLUSTER_ALLOW_PRIVATE_ADDRESSES = 'true';
    resetEnvCache();
    expect(sanitizeKubeconfig(text).server).toBe('https://10.0.0.12:6443');
  });

  it('accepts insecure-skip-tls-verify: false', () => {
    expect(sanitizeKubeconfig(config((d) => (d.clusters[0]!.cluster['insecure-skip-tls-verify'] = false))).server).toBe('https://35.190.0.1:6443');
  });

  it('refuses a client key that does not match its certificate', () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const d = parse(kubeconfig({ certificate: true, server: 'https://35.190.0.1' })) as Doc;
    d.users[0]!.user['client-key-data'] = Buffer.from(other).toString('base64');
    expect(rejected(stringify(d))).toMatchObject({ reason: 'invalid-certificate', path: 'users[0].user.client-key-data' });
    delete d.users[0]!.user['client-key-data'];
    expect(rejected(stringify(d))).toMatchObject({ reason: 'missing-field', path: 'users[0].user.client-key-data' });
  });

  it('refuses malformed input: not YAML, duplicate keys, merge keys, alias bombs, oversized', () => {
    expect(rejected('clusters: [').reason).toBe('invalid-syntax');
    expect(rejected('').reason).toBe('invalid-syntax');
    expect(rejected('- a\n- b').reason).toBe('invalid-structure');
    expect(rejected(config().replace('kind: Config', 'kind: Config\nkind: Config')).reason).toBe('invalid-syntax');
    const merge = [
      'extensions:',
      '- name: defaults',
      '  extension: &defaults { server: "https://35.190.0.1" }',
      'clusters:',
      '- name: c',
      '  cluster: { <<: *defaults }',
      'users: [{ name: u, user: { token: t } }]',
      'contexts: [{ name: x, context: { cluster: c, user: u } }]',
      'current-context: x',
    ].join('\n');
    expect(rejected(merge)).toMatchObject({ reason: 'unsupported-field', path: 'clusters[0].cluster.<<' });
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`)].join('\n');
    expect(rejected(bomb).reason).toBe('invalid-syntax');
    expect(rejected(`${config()}\n# ${'x'.repeat(300 * 1024)}`).reason).toBe('too-large');
  });

  it('runs no exec command: the library would run it, sanitizing refuses it first', async () => {
    const marker = path.join(dir, 'exec-ran');
    const credential = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token: 'x' } });
    const text = config((d) => {
      d.users[0]!.user = { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'sh', args: ['-c', `touch '${marker}' && echo '${credential}'`] } };
    });

    expect(rejected(text)).toMatchObject({ reason: 'exec-not-allowed', path: 'users[0].user.exec' });
    expect(existsSync(marker)).toBe(false);

    // Control: the same text handed to the client library straight runs the command.
    const kc = new KubeConfig();
    kc.loadFromString(text);
    await kc.applySecurityAuthentication(new RequestContext('https://35.190.0.1:6443/version', HttpMethod.GET));
    expect(existsSync(marker)).toBe(true);
  });

  it.each([
    ['certificate-authority', 'clusters[0].cluster.certificate-authority'],
    ['client-certificate', 'users[0].user.client-certificate'],
    ['client-key', 'users[0].user.client-key'],
    ['tokenFile', 'users[0].user.tokenFile'],
  ])('reads no file named by %s', async (field, fieldPath) => {
    const detector = readDetector(`read-${field}`);
    const text = config((d) => {
      if (field === 'certificate-authority') {
        delete d.clusters[0]!.cluster['certificate-authority-data'];
        d.clusters[0]!.cluster[field] = detector.path;
      } else {
        d.users[0]!.user[field] = detector.path;
      }
    });
    expect(rejected(text)).toMatchObject({ reason: 'file-reference-not-allowed', path: fieldPath });
    expect(detector.wasRead()).toBe(false);

    if (field === 'certificate-authority') {
      // Control: the client library reads the file as soon as a request is prepared.
      const kc = new KubeConfig();
      kc.loadFromString(text);
      await kc.applySecurityAuthentication(new RequestContext('https://35.190.0.1:6443/version', HttpMethod.GET));
      expect(detector.wasRead()).toBe(true);
    }
  });

  it('accepts a host name without resolving it (names are checked at connection time)', () => {
    const k = sanitizeKubeconfig(config((d) => (d.clusters[0]!.cluster.server = 'https://localhost:6443/')));
    expect(k.server).toBe('https://localhost:6443');
  });
});
