'use client';

import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { graphql } from '@/app/gql';
import { ChevronRightIcon, FileIcon, FolderIcon } from '@/app/components/icons';
import { Card, CardHeader, EmptyState, LoadError, Skeleton, Spinner, buttonClass, cx } from '@/app/components/ui';
import { useGqlQuery } from '@/app/lib/gql-hooks';

const RunArtifactsQuery = graphql(`
  query RunArtifacts($runId: ID!, $path: String) {
    runArtifacts(runId: $runId, path: $path) {
      name
      path
      isDir
      size
      contentType
      downloadUrl
    }
  }
`);

interface Artifact {
  name: string;
  path: string;
  isDir: boolean;
  size: number | null;
  contentType: string | null;
  downloadUrl: string | null;
}

/** Previews stop here: bigger files are downloaded, not rendered. */
const PREVIEW_LIMIT = 512 * 1024;
const TEXT_EXT = /\.(json|txt|log|md|ya?ml|csv|tsv|py|toml|ini|cfg|sh|sql|html|xml)$|(^|\/)(MLmodel|requirements\.txt|conda\.yaml|python_env\.yaml)$/i;

function kindOf(a: Artifact): 'image' | 'json' | 'text' | 'other' {
  const ct = a.contentType ?? '';
  if (ct.startsWith('image/')) return 'image';
  if (ct.includes('json') || a.path.toLowerCase().endsWith('.json')) return 'json';
  if (ct.startsWith('text/') || ct.includes('yaml') || ct.includes('xml') || TEXT_EXT.test(a.path)) return 'text';
  return 'other';
}

export function formatBytes(n: number | null): string {
  if (n == null) return '';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

function Listing({ runId, path, depth, selected, onSelect }: { runId: string; path: string | null; depth: number; selected: string | null; onSelect: (a: Artifact) => void }) {
  const q = useGqlQuery(RunArtifactsQuery, { runId, path });
  const [open, setOpen] = useState<string[]>([]);
  if (q.isLoading) {
    return (
      <div className="space-y-2 py-2" style={{ paddingLeft: 12 + depth * 16 }}>
        <Skeleton className="h-4 w-32" />
        <Skeleton className="h-4 w-24" />
      </div>
    );
  }
  if (q.error) return <p className="px-3 py-2 text-[13px] text-red-600">{q.error.message}</p>;
  const items = [...(q.data?.runArtifacts ?? [])].sort((a, b) => Number(b.isDir) - Number(a.isDir) || a.name.localeCompare(b.name));
  if (items.length === 0 && depth > 0) return <p className="py-1 text-[13px] text-zinc-400" style={{ paddingLeft: 12 + depth * 16 }}>Empty</p>;
  return (
    <ul>
      {items.map((a) => {
        const expanded = open.includes(a.path);
        return (
          <li key={a.path}>
            <button
              type="button"
              onClick={() => (a.isDir ? setOpen(expanded ? open.filter((p) => p !== a.path) : [...open, a.path]) : onSelect(a))}
              aria-expanded={a.isDir ? expanded : undefined}
              className={cx(
                'flex w-full items-center gap-1.5 rounded-md py-1 pr-2 text-left text-[13px] transition-colors',
                selected === a.path ? 'bg-brand-50 text-brand-700' : 'text-zinc-700 hover:bg-zinc-50',
              )}
              style={{ paddingLeft: 8 + depth * 16 }}
            >
              {a.isDir ? (
                <ChevronRightIcon className={cx('size-3.5 shrink-0 text-zinc-400 transition-transform', expanded && 'rotate-90')} />
              ) : (
                <span className="w-3.5 shrink-0" />
              )}
              {a.isDir ? <FolderIcon className="size-4 shrink-0 text-amber-500" /> : <FileIcon className="size-4 shrink-0 text-zinc-400" />}
              <span className="min-w-0 flex-1 truncate font-mono text-[12.5px]">{a.name}</span>
              {!a.isDir && <span className="shrink-0 text-[11px] text-zinc-400 tabular-nums">{formatBytes(a.size)}</span>}
            </button>
            {a.isDir && expanded && <Listing runId={runId} path={a.path} depth={depth + 1} selected={selected} onSelect={onSelect} />}
          </li>
        );
      })}
    </ul>
  );
}

function Preview({ artifact }: { artifact: Artifact }) {
  const kind = kindOf(artifact);
  const small = artifact.size == null || artifact.size <= PREVIEW_LIMIT;
  const text = useQuery({
    queryKey: ['artifact-preview', artifact.downloadUrl],
    enabled: (kind === 'json' || kind === 'text') && small && !!artifact.downloadUrl,
    queryFn: async ({ signal }) => {
      const res = await fetch(artifact.downloadUrl!, { credentials: 'same-origin', signal });
      if (!res.ok) throw new Error(`The download answered ${res.status}`);
      const body = await res.text();
      if (kind !== 'json') return body;
      try {
        return JSON.stringify(JSON.parse(body), null, 2);
      } catch {
        return body;
      }
    },
  });

  return (
    <div className="flex min-h-0 min-w-0 flex-1 flex-col" data-testid="artifact-preview">
      <div className="flex items-center justify-between gap-3 border-b border-zinc-100 px-4 py-2.5">
        <div className="min-w-0">
          <p className="truncate font-mono text-[13px] font-medium text-zinc-900">{artifact.path}</p>
          <p className="text-xs text-zinc-500">
            {formatBytes(artifact.size)}
            {artifact.contentType && ` · ${artifact.contentType}`}
          </p>
        </div>
        {artifact.downloadUrl && (
          <a href={artifact.downloadUrl} download={artifact.name} className={buttonClass('secondary', 'sm')}>
            Download
          </a>
        )}
      </div>
      <div className="min-h-0 flex-1 overflow-auto p-4">
        {!artifact.downloadUrl ? null : kind === 'image' ? (
          // eslint-disable-next-line @next/next/no-img-element -- run artifacts are private, session-authenticated files, not optimizable assets
          <img src={artifact.downloadUrl} alt={artifact.name} className="mx-auto max-h-96 rounded-md border border-zinc-100" />
        ) : (kind === 'json' || kind === 'text') && small ? (
          text.isLoading ? (
            <div className="flex items-center gap-2 text-sm text-zinc-500">
              <Spinner className="size-3.5" /> Loading preview…
            </div>
          ) : text.error ? (
            <p className="text-sm text-red-600">{(text.error as Error).message}</p>
          ) : (
            <pre className="max-h-96 overflow-auto rounded-lg bg-zinc-950 p-3 font-mono text-[12px] leading-relaxed text-zinc-100">{text.data}</pre>
          )
        ) : (
          <p className="text-sm text-zinc-500">{small ? 'No preview for this file type.' : 'Too large to preview here.'} Download it to open it.</p>
        )}
      </div>
    </div>
  );
}

/** The run's artifact tree, one directory level per request, with previews for text, JSON and images. */
export function ArtifactsPanel({ runId }: { runId: string }) {
  const root = useGqlQuery(RunArtifactsQuery, { runId, path: null });
  const [selected, setSelected] = useState<Artifact | null>(null);
  return (
    <Card>
      <CardHeader title="Artifacts" description="Files logged by the run: models, plots, configs." />
      {root.error ? (
        <div className="p-5">
          <LoadError error={root.error} onRetry={() => void root.refetch()} />
        </div>
      ) : root.isLoading ? (
        <div className="space-y-2 p-5">
          <Skeleton className="h-4 w-40" />
          <Skeleton className="h-4 w-28" />
        </div>
      ) : (root.data?.runArtifacts.length ?? 0) === 0 ? (
        <EmptyState
          icon={<FileIcon />}
          title="No artifacts"
          description={
            <>
              Log files with <code className="font-mono text-[12px]">mlflow.log_artifact()</code> or a model with{' '}
              <code className="font-mono text-[12px]">mlflow.&lt;flavor&gt;.log_model()</code>.
            </>
          }
        />
      ) : (
        <div className="grid min-h-64 md:grid-cols-[18rem_1fr]" data-testid="artifacts-browser">
          <div className="max-h-[28rem] overflow-y-auto border-b border-zinc-100 p-2 md:border-r md:border-b-0">
            <Listing runId={runId} path={null} depth={0} selected={selected?.path ?? null} onSelect={setSelected} />
          </div>
          {selected ? (
            <Preview key={selected.path} artifact={selected} />
          ) : (
            <div className="flex items-center justify-center p-6 text-sm text-zinc-400">Select a file to preview it</div>
          )}
        </div>
      )}
    </Card>
  );
}
