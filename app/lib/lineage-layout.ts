import type { RunStatus } from '@/app/gql/graphql';
import { formatMetric, toNumber } from './tracking';

/** What the `lineage` query answers, as the diagram needs it. */
export interface LineageData {
  model: { id: string; name: string };
  version: { id: string; version: number; aliases: string[]; framework: string | null; source: string };
  run: {
    id: string;
    name: string;
    status: RunStatus;
    params: { key: string; value: string }[];
    latestMetrics: { key: string; value: unknown }[];
    inputs: { name: string; digest: string; sourceType: string; source: string; tags: { key: string; value: string }[] }[];
  } | null;
  experiment: { id: string; name: string } | null;
  job: { id: string; name: string; status: string } | null;
  cluster: { id: string; name: string } | null;
  deployments: { id: string }[];
}

export type Kind = 'dataset' | 'job' | 'run' | 'source' | 'version' | 'deployment';

export interface Line {
  text: string;
  tone?: 'title' | 'body' | 'muted' | 'mono' | 'section';
}

export interface LineageNode {
  id: string;
  kind: Kind;
  label: string;
  lines: Line[];
  href?: string;
  /** A placeholder: something that does not exist yet. */
  dashed?: boolean;
  current?: boolean;
  x: number;
  y: number;
  h: number;
}

export const NODE_W = 200;
const COL_GAP = 44;
const ROW_GAP = 16;
export const PAD = 12;
export const LINE_H = 18;
export const HEAD_H = 26;
const CHAR_W = 6.6;
const MAX_ROWS = 5;

export function clip(text: string, tone: Line['tone']): string {
  const width = tone === 'title' ? CHAR_W * 1.05 : tone === 'mono' ? CHAR_W * 1.05 : CHAR_W;
  const max = Math.floor((NODE_W - 2 * PAD) / width);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function rows<T>(items: T[], render: (t: T) => string, what: string): Line[] {
  const lines: Line[] = items.slice(0, MAX_ROWS).map((t) => ({ text: render(t), tone: 'mono' }));
  if (items.length > MAX_ROWS) lines.push({ text: `+${items.length - MAX_ROWS} more ${what}`, tone: 'muted' });
  return lines;
}

/** RUNNING (runs) and running (jobs) both read Running. */
const statusLabel = (s: string) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();

const nodeHeight = (lines: Line[]) => HEAD_H + lines.length * LINE_H + 10;

/**
 * Columns left to right: what went in (datasets, the training job), the run, the
 * version, where it is served. Nodes stack centred in their column; every node
 * has an edge to every node of the next column.
 */
export function layoutLineage(data: LineageData, orgSlug: string) {
  const cols: Omit<LineageNode, 'x' | 'y' | 'h'>[][] = [];
  const run = data.run;
  if (run) {
    const inputs: Omit<LineageNode, 'x' | 'y' | 'h'>[] = run.inputs.map((d, i) => {
      const context = d.tags.find((t) => t.key === 'mlflow.data.context')?.value;
      return {
        id: `dataset-${i}`,
        kind: 'dataset',
        label: context ? `Dataset · ${context}` : 'Dataset',
        lines: [
          { text: d.name, tone: 'title' },
          { text: `${d.sourceType} · ${d.digest.slice(0, 12)}`, tone: 'mono' },
        ],
      };
    });
    if (inputs.length === 0) inputs.push({ id: 'dataset-none', kind: 'dataset', label: 'Datasets', dashed: true, lines: [{ text: 'None logged', tone: 'muted' }, { text: 'mlflow.log_input() records them', tone: 'muted' }] });
    if (data.job) {
      inputs.push({
        id: 'job',
        kind: 'job',
        label: 'Training job',
        href: `/o/${orgSlug}/jobs/${data.job.id}`,
        lines: [
          { text: data.job.name, tone: 'title' },
          { text: `${statusLabel(data.job.status)}${data.cluster ? ` · on ${data.cluster.name}` : ''}`, tone: 'muted' },
        ],
      });
    }
    cols.push(inputs);
    const params = [...run.params].sort((a, b) => a.key.localeCompare(b.key));
    const metrics = [...run.latestMetrics].sort((a, b) => a.key.localeCompare(b.key));
    cols.push([
      {
        id: 'run',
        kind: 'run',
        label: 'Run',
        href: `/o/${orgSlug}/runs/${run.id}`,
        lines: [
          { text: run.name, tone: 'title' },
          { text: `${data.experiment?.name ?? 'experiment'} · ${statusLabel(run.status)}`, tone: 'muted' },
          ...(params.length ? [{ text: 'Params', tone: 'section' as const }, ...rows(params, (p) => `${p.key} = ${p.value}`, 'params')] : []),
          ...(metrics.length ? [{ text: 'Metrics', tone: 'section' as const }, ...rows(metrics, (m) => `${m.key} = ${formatMetric(toNumber(m.value))}`, 'metrics')] : []),
        ],
      },
    ]);
  } else {
    cols.push([{ id: 'source', kind: 'source', label: 'External source', lines: [{ text: data.version.source, tone: 'mono' }, { text: 'Not produced by a tracked run', tone: 'muted' }] }]);
  }
  const v = data.version;
  cols.push([
    {
      id: 'version',
      kind: 'version',
      label: 'Model version',
      current: true,
      lines: [
        { text: `${data.model.name} v${v.version}`, tone: 'title' },
        ...(v.aliases.length ? [{ text: v.aliases.map((a) => `@${a}`).join(' '), tone: 'mono' as const }] : []),
        ...(v.framework ? [{ text: v.framework, tone: 'muted' as const }] : []),
      ],
    },
  ]);
  // Deployments appear once there are any; no placeholder offers a deployment Gantry cannot make yet.
  if (data.deployments.length) {
    cols.push(data.deployments.map((d) => ({ id: `deployment-${d.id}`, kind: 'deployment' as const, label: 'Deployment', lines: [{ text: d.id, tone: 'mono' as const }] })));
  }

  const heights = cols.map((c) => c.reduce((s, n) => s + nodeHeight(n.lines), 0) + ROW_GAP * (c.length - 1));
  const height = Math.max(...heights) + 2 * PAD;
  const nodes: LineageNode[][] = cols.map((col, ci) => {
    let y = PAD + (height - 2 * PAD - heights[ci]!) / 2;
    return col.map((n) => {
      const h = nodeHeight(n.lines);
      const placed = { ...n, x: PAD + ci * (NODE_W + COL_GAP), y, h };
      y += h + ROW_GAP;
      return placed;
    });
  });
  const width = 2 * PAD + cols.length * NODE_W + (cols.length - 1) * COL_GAP;
  const edges: { from: LineageNode; to: LineageNode; dashed: boolean }[] = [];
  for (let i = 0; i + 1 < nodes.length; i++) {
    for (const from of nodes[i]!) for (const to of nodes[i + 1]!) edges.push({ from, to, dashed: !!(from.dashed || to.dashed) });
  }
  return { nodes: nodes.flat(), edges, width, height };
}

