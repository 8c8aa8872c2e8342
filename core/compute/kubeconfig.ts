import { X509Certificate, createPrivateKey } from 'node:crypto';
import net from 'node:net';
import { parseDocument, stringify } from 'yaml';
import { AppError } from '../errors';
import { BlockedAddressError, assertAddressAllowed, ipLiteral } from './network-policy';

/**
 * Kubeconfigs pasted by tenant admins are hostile input: the format can make a
 * client run commands (`exec`, `auth-provider`), read files on the host
 * (`certificate-authority`, `client-certificate`, `client-key`, `tokenFile`), route
 * through a proxy or turn off certificate checks. {@link sanitizeKubeconfig} keeps
 * only inline values (server, CA data, TLS server name, bearer token, client
 * certificate and key) from a strict allowlist and refuses everything else with the
 * offending field's path. Nothing in the input is executed, read or dialled here.
 */

export const MAX_KUBECONFIG_BYTES = 256 * 1024;

/** A kubeconfig reduced to what Gantry will use: one cluster, one user, inline data only. */
export interface SanitizedKubeconfig {
  /** `https://host[:port][/path]`, normalized, without a trailing slash. */
  readonly server: string;
  /** Base64 of the PEM CA bundle; null trusts the system's CAs. */
  readonly certificateAuthorityData: string | null;
  /** The name to verify the server certificate against, when it differs from the server's host. */
  readonly tlsServerName: string | null;
  readonly token: string | null;
  /** Base64 PEM client certificate and key (both or neither). */
  readonly clientCertificateData: string | null;
  readonly clientKeyData: string | null;
  /** The context's namespace, if it names one: a default to offer, not a decision. */
  readonly namespace: string | null;
  readonly contextName: string;
  readonly clusterName: string;
  readonly userName: string;
}

/** Code-like reasons, stable for the UI and tests. */
export type KubeconfigRejectReason =
  | 'too-large'
  | 'invalid-syntax'
  | 'invalid-structure'
  | 'exec-not-allowed'
  | 'auth-provider-not-allowed'
  | 'file-reference-not-allowed'
  | 'proxy-not-allowed'
  | 'insecure-tls-not-allowed'
  | 'basic-auth-not-allowed'
  | 'impersonation-not-allowed'
  | 'unsupported-field'
  | 'missing-field'
  | 'invalid-value'
  | 'invalid-certificate'
  | 'context-not-found'
  | 'server-not-https'
  | 'server-address-blocked'
  | 'no-credentials';

/** A refused kubeconfig: BAD_USER_INPUT with a reason and the offending field's path (`users[0].user.exec`). */
export class KubeconfigError extends AppError {
  readonly reason: KubeconfigRejectReason;
  readonly path: string;

  constructor(reason: KubeconfigRejectReason, path: string, detail: string) {
    const message = path ? `Kubeconfig ${path}: ${detail}` : `Kubeconfig: ${detail}`;
    super('BAD_USER_INPUT', message, { fields: [{ path: path || 'kubeconfig', message }] });
    this.reason = reason;
    this.path = path;
  }
}

const ONLY_INLINE = 'paste a kubeconfig with an inline bearer token (e.g. a ServiceAccount token) or inline client-certificate-data/client-key-data';

/** Fields that would make a client run, read or route something; each has its own reason. */
const FORBIDDEN_USER_FIELDS: Record<string, [KubeconfigRejectReason, string]> = {
  exec: ['exec-not-allowed', `exec credential plugins would run a command on Gantry's servers and are not accepted; ${ONLY_INLINE}`],
  'auth-provider': ['auth-provider-not-allowed', `auth-provider plugins are not accepted; ${ONLY_INLINE}`],
  tokenFile: ['file-reference-not-allowed', 'file paths are not accepted (Gantry never reads files named in a kubeconfig); use an inline token'],
  'client-certificate': ['file-reference-not-allowed', 'file paths are not accepted (Gantry never reads files named in a kubeconfig); use client-certificate-data'],
  'client-key': ['file-reference-not-allowed', 'file paths are not accepted (Gantry never reads files named in a kubeconfig); use client-key-data'],
  username: ['basic-auth-not-allowed', `basic authentication is not accepted; ${ONLY_INLINE}`],
  password: ['basic-auth-not-allowed', `basic authentication is not accepted; ${ONLY_INLINE}`],
  as: ['impersonation-not-allowed', 'impersonation is not accepted; give the credentials the permissions Gantry needs instead'],
  'as-uid': ['impersonation-not-allowed', 'impersonation is not accepted; give the credentials the permissions Gantry needs instead'],
  'as-groups': ['impersonation-not-allowed', 'impersonation is not accepted; give the credentials the permissions Gantry needs instead'],
  'as-user-extra': ['impersonation-not-allowed', 'impersonation is not accepted; give the credentials the permissions Gantry needs instead'],
};
const FORBIDDEN_CLUSTER_FIELDS: Record<string, [KubeconfigRejectReason, string]> = {
  'certificate-authority': ['file-reference-not-allowed', 'file paths are not accepted (Gantry never reads files named in a kubeconfig); use certificate-authority-data'],
  'proxy-url': ['proxy-not-allowed', 'proxies are not accepted; Gantry connects to the API server directly'],
};

/** Allowed fields; `extensions`, `disable-compression` and `preferences` are accepted and dropped. */
const TOP_FIELDS = new Set(['apiVersion', 'kind', 'clusters', 'users', 'contexts', 'current-context', 'preferences', 'extensions']);
const CLUSTER_FIELDS = new Set(['server', 'certificate-authority-data', 'tls-server-name', 'insecure-skip-tls-verify', 'disable-compression', 'extensions']);
const USER_FIELDS = new Set(['token', 'client-certificate-data', 'client-key-data', 'extensions']);
const CONTEXT_FIELDS = new Set(['cluster', 'user', 'namespace', 'extensions']);
const ENTRY_FIELDS = (inner: string) => new Set(['name', inner]);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function fail(reason: KubeconfigRejectReason, path: string, detail: string): never {
  throw new KubeconfigError(reason, path, detail);
}

function checkFields(obj: Obj, allowed: Set<string>, path: string, forbidden: Record<string, [KubeconfigRejectReason, string]> = {}): void {
  const at = (key: string) => (path ? `${path}.${key}` : key);
  for (const key of Object.keys(obj)) {
    const f = forbidden[key];
    if (f) fail(f[0], at(key), f[1]);
  }
  for (const key of Object.keys(obj)) {
    if (!allowed.has(key)) fail('unsupported-field', at(key), `the field "${key}" is not supported`);
  }
}

interface Named {
  name: string;
  body: Obj;
  path: string;
}

/** Validates a `clusters`/`users`/`contexts` list: entries `{ name, <inner>: {...} }` with unique names. */
function namedList(doc: Obj, key: 'clusters' | 'users' | 'contexts', inner: string, allowed: Set<string>, forbidden?: Record<string, [KubeconfigRejectReason, string]>): Named[] {
  const list = doc[key];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) fail('invalid-structure', key, 'must be a list');
  const seen = new Set<string>();
  return list.map((entry, i) => {
    const path = `${key}[${i}]`;
    if (!isObj(entry)) fail('invalid-structure', path, 'must be a mapping');
    checkFields(entry, ENTRY_FIELDS(inner), path);
    if (typeof entry.name !== 'string' || entry.name === '') fail('missing-field', `${path}.name`, 'a name is required');
    if (seen.has(entry.name)) fail('invalid-structure', `${path}.name`, `the name "${entry.name}" is used twice`);
    seen.add(entry.name);
    const body = entry[inner] ?? {};
    if (!isObj(body)) fail('invalid-structure', `${path}.${inner}`, 'must be a mapping');
    checkFields(body, allowed, `${path}.${inner}`, forbidden);
    return { name: entry.name, body, path: `${path}.${inner}` };
  });
}

function optionalString(obj: Obj, key: string, path: string): string | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') fail('invalid-value', `${path}.${key}`, 'must be a string');
  return v;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function decodeBase64(value: string, path: string): Buffer {
  const compact = value.replace(/\s+/g, '');
  if (!BASE64.test(compact) || compact.length % 4 !== 0) fail('invalid-value', path, 'must be base64');
  return Buffer.from(compact, 'base64');
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function parseCertificates(value: string, path: string): { base64: string; certs: X509Certificate[] } {
  const pem = decodeBase64(value, path).toString('utf8');
  const blocks = pem.match(PEM_CERT) ?? [];
  if (blocks.length === 0) fail('invalid-certificate', path, 'must be base64 of one or more PEM certificates');
  const certs = blocks.map((b) => {
    try {
      return new X509Certificate(b);
    } catch {
      return fail('invalid-certificate', path, 'contains a certificate that does not parse');
    }
  });
  return { base64: Buffer.from(blocks.join('\n') + '\n').toString('base64'), certs };
}

function parseServer(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.trim() === '') fail('missing-field', path, 'the API server URL is required');
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return fail('invalid-value', path, 'must be a URL such as https://203.0.113.10:6443');
  }
  if (url.protocol !== 'https:') fail('server-not-https', path, 'must be an https:// URL');
  if (url.username || url.password) fail('invalid-value', path, 'must not contain credentials');
  if (url.search || url.hash) fail('invalid-value', path, 'must not have a query or fragment');
  if (!url.hostname) fail('invalid-value', path, 'must name a host');
  // The URL parser normalizes numeric hosts (`0x7f.1`, `2130706433` → 127.0.0.1): the check sees what a client dials.
  const literal = ipLiteral(url.hostname);
  if (literal) {
    try {
      assertAddressAllowed(url.hostname, literal, path);
    } catch (e) {
      if (e instanceof BlockedAddressError) fail('server-address-blocked', path, e.message);
      throw e;
    }
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** Header-safe: visible ASCII, no spaces (a newline would split the Authorization header). */
const TOKEN = /^[\x21-\x7e]{1,16384}$/;

/**
 * Parses a kubeconfig (YAML or JSON) and keeps the current context's cluster and
 * user, or the only ones. Refuses, with the field's path: command and plugin auth,
 * file references, proxies, disabled TLS verification, basic auth, impersonation,
 * unknown fields anywhere, http:// servers and server IPs in non-public ranges
 * (unless the operator allows them). Host names are resolved later, at connection
 * time (see network-policy.ts): this function does no I/O.
 */
export function sanitizeKubeconfig(text: string): SanitizedKubeconfig {
  if (typeof text !== 'string' || text.trim() === '') fail('invalid-syntax', '', 'is empty');
  if (Buffer.byteLength(text, 'utf8') > MAX_KUBECONFIG_BYTES) fail('too-large', '', `must be at most ${MAX_KUBECONFIG_BYTES / 1024} KiB`);

  // No `<<` merges, no duplicate keys (parsers disagree on which one wins), few aliases (no billion laughs).
  const doc = parseDocument(text, { uniqueKeys: true, merge: false, prettyErrors: false, strict: true });
  if (doc.errors.length > 0) fail('invalid-syntax', '', `is not valid YAML or JSON (${doc.errors[0]!.message.split('\n')[0]})`);
  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: 10 });
  } catch (e) {
    fail('invalid-syntax', '', `could not be read (${(e as Error).message.split('\n')[0]})`);
  }
  if (!isObj(root)) fail('invalid-structure', '', 'must be a mapping with clusters, users and contexts');
  checkFields(root, TOP_FIELDS, '');
  if (root.apiVersion !== undefined && root.apiVersion !== 'v1') fail('invalid-value', 'apiVersion', 'must be v1');
  if (root.kind !== undefined && root.kind !== 'Config') fail('invalid-value', 'kind', 'must be Config');

  // Every entry is checked for forbidden fields, not only the one in use: a config that carries them is refused whole.
  const clusters = namedList(root, 'clusters', 'cluster', CLUSTER_FIELDS, FORBIDDEN_CLUSTER_FIELDS);
  const users = namedList(root, 'users', 'user', USER_FIELDS, FORBIDDEN_USER_FIELDS);
  const contexts = namedList(root, 'contexts', 'context', CONTEXT_FIELDS);
  for (const c of clusters) {
    const v = c.body['insecure-skip-tls-verify'];
    if (v !== undefined && v !== null && v !== false) {
      fail('insecure-tls-not-allowed', `${c.path}.insecure-skip-tls-verify`, 'turning off certificate verification is not accepted; add certificate-authority-data for the API server instead');
    }
  }

  const current = root['current-context'];
  if (current !== undefined && current !== null && current !== '' && typeof current !== 'string') fail('invalid-value', 'current-context', 'must be a string');
  let cluster: Named;
  let user: Named;
  let contextName: string;
  let namespace: string | null = null;
  if (contexts.length === 0 && clusters.length === 1 && users.length === 1 && !current) {
    cluster = clusters[0]!;
    user = users[0]!;
    contextName = `${cluster.name}/${user.name}`;
  } else {
    let context: Named | undefined;
    if (typeof current === 'string' && current !== '') {
      context = contexts.find((c) => c.name === current);
      if (!context) fail('context-not-found', 'current-context', `names the context "${current}", which is not in contexts`);
    } else if (contexts.length === 1) {
      context = contexts[0]!;
    } else {
      fail('context-not-found', 'current-context', contexts.length === 0 ? 'no contexts are defined' : 'must name one of the contexts');
    }
    contextName = context.name;
    const clusterName = context.body.cluster;
    const userName = context.body.user;
    if (typeof clusterName !== 'string' || !clusterName) fail('missing-field', `${context.path}.cluster`, 'the context must name a cluster');
    if (typeof userName !== 'string' || !userName) fail('missing-field', `${context.path}.user`, 'the context must name a user');
    const c = clusters.find((x) => x.name === clusterName);
    const u = users.find((x) => x.name === userName);
    if (!c) fail('context-not-found', `${context.path}.cluster`, `names the cluster "${clusterName}", which is not in clusters`);
    if (!u) fail('context-not-found', `${context.path}.user`, `names the user "${userName}", which is not in users`);
    cluster = c;
    user = u;
    namespace = optionalString(context.body, 'namespace', context.path);
    if (namespace !== null && !NAMESPACE.test(namespace)) fail('invalid-value', `${context.path}.namespace`, 'must be a Kubernetes namespace name');
  }

  const server = parseServer(cluster.body.server, `${cluster.path}.server`);
  const caText = optionalString(cluster.body, 'certificate-authority-data', cluster.path);
  const certificateAuthorityData = caText === null ? null : parseCertificates(caText, `${cluster.path}.certificate-authority-data`).base64;
  const tlsServerName = optionalString(cluster.body, 'tls-server-name', cluster.path);
  if (tlsServerName !== null && !DNS_NAME.test(tlsServerName) && !net.isIP(tlsServerName)) {
    fail('invalid-value', `${cluster.path}.tls-server-name`, 'must be a DNS name');
  }

  const token = optionalString(user.body, 'token', user.path);
  if (token !== null && !TOKEN.test(token)) fail('invalid-value', `${user.path}.token`, 'must be a single line of visible ASCII characters');
  const certText = optionalString(user.body, 'client-certificate-data', user.path);
  const keyText = optionalString(user.body, 'client-key-data', user.path);
  if ((certText === null) !== (keyText === null)) {
    const missing = certText === null ? 'client-certificate-data' : 'client-key-data';
    fail('missing-field', `${user.path}.${missing}`, 'client-certificate-data and client-key-data go together');
  }
  let clientCertificateData: string | null = null;
  let clientKeyData: string | null = null;
  if (certText !== null && keyText !== null) {
    const certPath = `${user.path}.client-certificate-data`;
    const keyPath = `${user.path}.client-key-data`;
    const { base64, certs } = parseCertificates(certText, certPath);
    const keyPem = decodeBase64(keyText, keyPath).toString('utf8');
    let key;
    try {
      key = createPrivateKey({ key: keyPem, format: 'pem' });
    } catch {
      fail('invalid-certificate', keyPath, 'must be base64 of an unencrypted PEM private key');
    }
    if (!certs[0]!.checkPrivateKey(key)) fail('invalid-certificate', keyPath, 'does not match client-certificate-data');
    clientCertificateData = base64;
    clientKeyData = Buffer.from(key.export({ format: 'pem', type: 'pkcs8' }) as string).toString('base64');
  }
  if (token === null && clientCertificateData === null) {
    fail('no-credentials', user.path, `no credentials found; ${ONLY_INLINE}`);
  }

  return Object.freeze({
    server,
    certificateAuthorityData,
    tlsServerName,
    token,
    clientCertificateData,
    clientKeyData,
    namespace,
    contextName,
    clusterName: cluster.name,
    userName: user.name,
  });
}

/**
 * A clean kubeconfig holding exactly the sanitized fields: what to store (encrypted),
 * so that loading it goes through {@link sanitizeKubeconfig} again.
 */
export function renderKubeconfig(k: SanitizedKubeconfig): string {
  const cluster: Obj = { server: k.server };
  if (k.certificateAuthorityData) cluster['certificate-authority-data'] = k.certificateAuthorityData;
  if (k.tlsServerName) cluster['tls-server-name'] = k.tlsServerName;
  const user: Obj = {};
  if (k.token) user.token = k.token;
  if (k.clientCertificateData) user['client-certificate-data'] = k.clientCertificateData;
  if (k.clientKeyData) user['client-key-data'] = k.clientKeyData;
  const context: Obj = { cluster: k.clusterName, user: k.userName };
  if (k.namespace) context.namespace = k.namespace;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: k.clusterName, cluster }],
    users: [{ name: k.userName, user }],
    contexts: [{ name: k.contextName, context }],
    'current-context': k.contextName,
  });
}

/** What the UI may show about a stored kubeconfig: no secret material. */
export interface KubeconfigSummary {
  server: string;
  tlsServerName: string | null;
  authentication: 'token' | 'client-certificate' | 'token-and-client-certificate';
  /** Subject of the client certificate (`CN=…, O=…`), when one is used. */
  clientCertificateSubject: string | null;
  clientCertificateExpiresAt: Date | null;
  /** SHA-256 fingerprints of the CA certificates; empty when the system CAs are trusted. */
  certificateAuthorityFingerprints: string[];
  namespace: string | null;
  contextName: string;
}

export function summarizeKubeconfig(k: SanitizedKubeconfig): KubeconfigSummary {
  const certs = (b64: string | null) => (b64 ? (Buffer.from(b64, 'base64').toString('utf8').match(PEM_CERT) ?? []).map((p) => new X509Certificate(p)) : []);
  const client = certs(k.clientCertificateData)[0] ?? null;
  return {
    server: k.server,
    tlsServerName: k.tlsServerName,
    authentication: k.token && client ? 'token-and-client-certificate' : k.token ? 'token' : 'client-certificate',
    clientCertificateSubject: client ? client.subject.split('\n').join(', ') : null,
    clientCertificateExpiresAt: client ? new Date(client.validTo) : null,
    certificateAuthorityFingerprints: certs(k.certificateAuthorityData).map((c) => c.fingerprint256),
    namespace: k.namespace,
    contextName: k.contextName,
  };
}
