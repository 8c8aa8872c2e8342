/**
 * The links the mlflow client prints and MLflow's own UI uses put the page in the URL's hash
 * (`http://host/#/experiments/<id>/runs/<id>`), which never reaches the server. These are the
 * pages such a hash names, read in the browser and then opened as the matching Gantry page.
 */
export type MlflowLink =
  | { kind: 'run'; experimentId: string; runId: string }
  | { kind: 'experiment'; experimentId: string }
  | { kind: 'model'; name: string }
  | { kind: 'version'; name: string; version: number }
  | { kind: 'compare'; runIds: string[] };

const MAX_COMPARED = 20;

function decode(segment: string): string | null {
  try {
    const s = decodeURIComponent(segment);
    return s.trim() === '' ? null : s;
  } catch {
    return null;
  }
}

/** MLflow writes lists in its UI's query as JSON arrays: `runs=["a","b"]`. */
function jsonList(raw: string | null): string[] {
  if (!raw) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string' && x !== '').slice(0, MAX_COMPARED) : [];
  } catch {
    return [];
  }
}

/**
 * The MLflow page `hash` names, or null when it names none Gantry has (or is no MLflow hash).
 * Sub-pages (a run's artifacts, an experiment's overview) open the run or experiment itself.
 */
export function parseMlflowHash(hash: string): MlflowLink | null {
  if (!hash.startsWith('#/')) return null;
  const [path = '', query = ''] = hash.slice(2).split('?', 2);
  const parts = path.split('/').filter((p) => p !== '');
  const [section, id, sub, subId] = parts;
  if (section === 'experiments' && id) {
    const experimentId = decode(id);
    if (!experimentId) return null;
    if (sub === 'runs' && subId) {
      const runId = decode(subId);
      return runId ? { kind: 'run', experimentId, runId } : null;
    }
    return { kind: 'experiment', experimentId };
  }
  if (section === 'models' && id) {
    const name = decode(id);
    if (!name) return null;
    if (sub === 'versions' && subId) {
      const version = Number(subId);
      return Number.isSafeInteger(version) && version > 0 ? { kind: 'version', name, version } : null;
    }
    return { kind: 'model', name };
  }
  if (section === 'compare-runs') {
    const runIds = jsonList(new URLSearchParams(query).get('runs'));
    return runIds.length ? { kind: 'compare', runIds } : null;
  }
  return null;
}

/** What the link names, for a message when no organization of the user has it. */
export function describeMlflowLink(link: MlflowLink): string {
  switch (link.kind) {
    case 'run':
      return `run ${link.runId}`;
    case 'experiment':
      return `experiment ${link.experimentId}`;
    case 'model':
      return `model “${link.name}”`;
    case 'version':
      return `version ${link.version} of model “${link.name}”`;
    case 'compare':
      return `runs ${link.runIds.join(', ')}`;
  }
}
