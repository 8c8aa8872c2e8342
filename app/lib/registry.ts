import type { ModelAliasAction, OrgRole } from '@/app/gql/graphql';

/** The URI serving and the mlflow client load a version by. */
export function modelUri(name: string, version: number): string {
  return `models:/${name}/${version}`;
}

export function aliasUri(name: string, alias: string): string {
  return `models:/${name}@${alias}`;
}

/** Roles that can be required to move a protected alias, lowest first. */
export const PROTECT_ROLES: OrgRole[] = ['member', 'admin', 'owner'];

/** "member" → "members and above"; the wording the protection badge and form share. */
export function roleAndAbove(role: OrgRole): string {
  return role === 'owner' ? 'owners only' : `${role}s and above`;
}

export interface AliasEventLike {
  action: ModelAliasAction;
  fromVersion: number | null;
  toVersion: number | null;
}

/** "Set to v1", "Moved from v1 to v2", "Removed from v2". */
export function aliasEventText(e: AliasEventLike): string {
  if (e.action === 'set') return `Set to v${e.toVersion}`;
  if (e.action === 'move') return `Moved from v${e.fromVersion} to v${e.toVersion}`;
  return e.fromVersion != null ? `Removed from v${e.fromVersion}` : 'Removed';
}

/** Who did something: a person by email, a tool by its API key. */
export function actorText(a: { actorEmail: string | null; actorApiKeyId: string | null; actorUserId: string | null }): string {
  if (a.actorApiKeyId) return a.actorEmail ? `${a.actorEmail} (API key)` : 'an API key';
  return a.actorEmail ?? (a.actorUserId ? 'a former member' : 'unknown');
}

export interface SignatureColumn {
  name: string | null;
  type: string;
  extra: string | null;
}

export interface SignatureSection {
  title: string;
  columns: SignatureColumn[] | null;
  /** Shown as JSON when it is not a column list. */
  raw: string | null;
}

const SECTION_TITLES: Record<string, string> = { inputs: 'Inputs', outputs: 'Outputs', params: 'Parameters' };

function asColumns(v: unknown): SignatureColumn[] | null {
  if (!Array.isArray(v) || v.length === 0) return null;
  const cols: SignatureColumn[] = [];
  for (const c of v) {
    if (!c || typeof c !== 'object') return null;
    const o = c as Record<string, unknown>;
    const type = typeof o.type === 'string' ? o.type : null;
    if (!type) return null;
    let extra: string | null = null;
    if (type === 'tensor' && o['tensor-spec'] && typeof o['tensor-spec'] === 'object') {
      const spec = o['tensor-spec'] as { dtype?: unknown; shape?: unknown };
      extra = `${String(spec.dtype ?? '')} ${Array.isArray(spec.shape) ? `[${spec.shape.join(', ')}]` : ''}`.trim();
    } else if ('default' in o) {
      extra = `default ${JSON.stringify(o.default)}`;
    }
    if (o.required === false) extra = extra ? `${extra}, optional` : 'optional';
    cols.push({ name: typeof o.name === 'string' ? o.name : null, type, extra });
  }
  return cols;
}

/**
 * A model signature for display. MLflow stores `inputs`, `outputs` and `params`
 * as JSON strings inside the JSON object; each becomes a column list when it is one.
 */
export function parseSignature(json: string | null): SignatureSection[] | null {
  if (!json) return null;
  let sig: unknown;
  try {
    sig = JSON.parse(json);
  } catch {
    return [{ title: 'Signature', columns: null, raw: json }];
  }
  if (!sig || typeof sig !== 'object' || Array.isArray(sig)) return [{ title: 'Signature', columns: null, raw: JSON.stringify(sig, null, 2) }];
  const sections: SignatureSection[] = [];
  for (const [key, value] of Object.entries(sig as Record<string, unknown>)) {
    let v = value;
    if (typeof v === 'string') {
      try {
        v = JSON.parse(v);
      } catch {
        // A plain string stays as it is.
      }
    }
    if (v == null) continue;
    const columns = asColumns(v);
    sections.push({ title: SECTION_TITLES[key] ?? key, columns, raw: columns ? null : typeof v === 'string' ? v : JSON.stringify(v, null, 2) });
  }
  return sections;
}
