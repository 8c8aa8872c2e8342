import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';

/**
 * Test certificates made with the openssl CLI, so the CA a kubeconfig carries is checked the way
 * a real one is: one CA per server, a serving certificate for its names and addresses, and client
 * certificates whose subject is a Kubernetes user (CN) and its groups (O).
 */

export interface KeyPair {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
}

export interface TestPki {
  dir: string;
  caCert: string;
  caFile: string;
  /** Base64 of the CA certificate, as in `certificate-authority-data`. */
  caData: string;
  /** A serving certificate for loopback, localhost and `names` (DNS names or IP addresses). */
  server(file: string, names: string[]): KeyPair;
  /** A client certificate for user `user` in `groups`. */
  client(file: string, user: string, groups?: string[]): KeyPair;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A new CA in `dir` (which must exist), valid for two days. */
export function createTestPki(dir: string, caName: string): TestPki {
  openssl(['req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', `/CN=${caName}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  const issue = (file: string, subject: string, ext: string): KeyPair => {
    writeFileSync(path.join(dir, `${file}.ext`), ext);
    openssl(['req', '-new', ...EC, '-keyout', `${file}.key`, '-out', `${file}.csr`, '-subj', subject], dir);
    openssl(['x509', '-req', '-in', `${file}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', `${file}.crt`, '-extfile', `${file}.ext`], dir);
    const certFile = path.join(dir, `${file}.crt`);
    const keyFile = path.join(dir, `${file}.key`);
    return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, keyFile };
  };
  const caCert = readFileSync(path.join(dir, 'ca.crt'), 'utf8');
  return {
    dir,
    caCert,
    caFile: path.join(dir, 'ca.crt'),
    caData: Buffer.from(caCert).toString('base64'),
    server(file, names) {
      const sans = ['IP:127.0.0.1', 'IP:::1', 'DNS:localhost', ...names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`))];
      return issue(file, `/CN=${names[0] ?? 'localhost'}`, `subjectAltName=${[...new Set(sans)].join(',')}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n`);
    },
    client(file, user, groups = []) {
      return issue(file, `${groups.map((g) => `/O=${g}`).join('')}/CN=${user}`, 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n');
    },
  };
}

export interface KubeconfigParts {
  /** Names the cluster, user and context entries. */
  name: string;
  server: string;
  /** Base64 CA certificate; left out when null. */
  caData: string | null;
  tlsServerName?: string;
  user: string;
  token?: string;
  /** PEM client certificate and key, instead of a token. */
  clientCert?: { cert: string; key: string };
  namespace?: string;
}

/** A kubeconfig as an admin would paste it: everything inline, one context. */
export function kubeconfigYaml(k: KubeconfigParts): string {
  const creds: Record<string, string> = {};
  if (k.clientCert) {
    creds['client-certificate-data'] = Buffer.from(k.clientCert.cert).toString('base64');
    creds['client-key-data'] = Buffer.from(k.clientCert.key).toString('base64');
  } else if (k.token !== undefined) creds.token = k.token;
  const cluster: Record<string, string> = { server: k.server };
  if (k.caData) cluster['certificate-authority-data'] = k.caData;
  if (k.tlsServerName) cluster['tls-server-name'] = k.tlsServerName;
  const context: Record<string, string> = { cluster: k.name, user: k.user };
  if (k.namespace !== undefined) context.namespace = k.namespace;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: k.name, cluster }],
    users: [{ name: k.user, user: creds }],
    contexts: [{ name: k.name, context }],
    'current-context': k.name,
  });
}
