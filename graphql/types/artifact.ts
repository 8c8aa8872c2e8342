import { listArtifacts, type ArtifactListing } from '../../core/artifacts/list-artifacts';
import type { Builder } from '../builder';

export function register(builder: Builder) {
  const RunArtifactRef = builder.objectRef<ArtifactListing & { runId: string; orgId: string }>('RunArtifact');

  RunArtifactRef.implement({
    description: 'A file or directory among a run’s artifacts, one level of a listing',
    fields: (t) => ({
      path: t.exposeString('path', { description: 'Relative to the run’s artifact root, e.g. `model/MLmodel`' }),
      name: t.string({ resolve: (a) => a.path.split('/').pop()! }),
      isDir: t.exposeBoolean('isDir'),
      size: t.float({ nullable: true, description: 'Bytes (files only); a Float because artifacts may exceed 2^31 bytes', resolve: (a) => a.size }),
      contentType: t.string({ nullable: true, description: 'The content type stored with the file; null for directories', resolve: (a) => a.contentType ?? null }),
      downloadUrl: t.string({
        nullable: true,
        description: 'Where a browser (session) or tool (API key) downloads the file; null for directories',
        resolve: (a) => (a.isDir ? null : `/api/artifacts/${encodeURIComponent(a.runId)}/${a.path.split('/').map(encodeURIComponent).join('/')}?org=${encodeURIComponent(a.orgId)}`),
      }),
    }),
  });

  builder.queryFields((t) => ({
    runArtifacts: t.field({
      type: [RunArtifactRef],
      description: 'The files and directories directly inside `path` (default: the root) of a run’s artifacts',
      authScopes: { permission: 'run:read' },
      args: { runId: t.arg.id({ required: true }), path: t.arg.string() },
      resolve: async (_r, args, ctx, info) => {
        const tenant = await ctx.tenant();
        // Content types cost a metadata read per file; only pay for them when the query may select them (fragments count).
        const withContentTypes = info.fieldNodes.some((n) =>
          n.selectionSet?.selections.some((s) => s.kind !== 'Field' || s.name.value === 'contentType'),
        );
        const rows = await listArtifacts(tenant, { runId: String(args.runId), path: args.path ?? '', withContentTypes });
        return rows.map((r) => ({ ...r, runId: String(args.runId), orgId: tenant.orgId }));
      },
    }),
  }));
}
