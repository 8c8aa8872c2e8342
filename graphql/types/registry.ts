import { getModelVersionLineage, type ModelVersionLineage } from '../../core/lineage/get-model-version-lineage';
import type { ModelVersionView, RegisteredModelView } from '../../core/registry/access';
import { createModelVersion } from '../../core/registry/create-model-version';
import { createRegisteredModel } from '../../core/registry/create-registered-model';
import { deleteModelAlias } from '../../core/registry/delete-model-alias';
import { getModelVersion } from '../../core/registry/get-model-version';
import { getRegisteredModel } from '../../core/registry/get-registered-model';
import { listAliasesOfModels, listModelAliases, type AliasHistoryView, type ModelAliasView } from '../../core/registry/list-model-aliases';
import { listModelVersionsOfRuns, listRunModelVersions } from '../../core/registry/list-run-model-versions';
import { protectModelAlias } from '../../core/registry/protect-model-alias';
import { MODEL_VERSION_STATUSES } from '../../core/registry/registry.schemas';
import { resolveModelUri, type ResolvedModelUri } from '../../core/registry/resolve-model-uri';
import { searchModelVersions } from '../../core/registry/search-model-versions';
import { searchRegisteredModels } from '../../core/registry/search-registered-models';
import { setModelAlias } from '../../core/registry/set-model-alias';
import { updateModelVersion } from '../../core/registry/update-model-version';
import { updateRegisteredModel } from '../../core/registry/update-registered-model';
import { AppError } from '../../core/errors';
import { getProject, getProjects } from '../../core/tenancy/get-project';
import { runArtifactUri } from '../../core/tracking/mlflow/serialize';
import { getExperiment } from '../../core/tracking/get-experiment';
import { getRun } from '../../core/tracking/get-run';
import type { MetricSnapshot } from '../../db/schema';
import { sharedRef, type Builder } from '../builder';
import { pageArgs } from '../pagination';
import { OrgRoleEnum } from './enums';
import { ProjectRef } from './project-ref';
import { ClusterTypeRef } from './cluster';
import { JobTypeRef } from './training-job';
import { ExperimentRef, KeyValueInput, KeyValueRef, RunRef } from './tracking';

/** Shared with deployments, whose traffic names the versions it serves. */
export const ModelVersionTypeRef = sharedRef((builder) => builder.objectRef<ModelVersionView>('ModelVersion'));
export const RegisteredModelTypeRef = sharedRef((builder) => builder.objectRef<RegisteredModelView>('RegisteredModel'));

const cursorOf = (offset: number) => Buffer.from(String(offset)).toString('base64url');
const tokenOf = (offset: number) => Buffer.from(String(offset)).toString('base64url');

/** Offset cursors, as runs use: the cursor of row i is i, the next page starts after it. */
function offsetPage(args: { first?: number | null; after?: string | null; last?: number | null; before?: string | null }) {
  const page = pageArgs(args);
  const offset = page.after == null ? 0 : Number(page.after) + 1;
  if (!Number.isSafeInteger(offset)) throw new AppError('BAD_USER_INPUT', 'Invalid cursor');
  return { first: page.first, offset };
}

function connection<T>(rows: T[], offset: number, hasNextPage: boolean) {
  const edges = rows.map((node, i) => ({ node, cursor: cursorOf(offset + i) }));
  return { edges, pageInfo: { hasNextPage, hasPreviousPage: offset > 0, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null } };
}

const modelRef = (id: string | number | null | undefined, name: string | null | undefined) => {
  if ((id == null) === (name == null)) throw new AppError('BAD_USER_INPUT', 'Give exactly one of id or name');
  return id != null ? { modelId: String(id) } : { name: name! };
};

function parseSignature(json: string | null | undefined): Record<string, unknown> | null {
  if (json == null) return null;
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    throw new AppError('BAD_USER_INPUT', 'signatureJson is not valid JSON', { fields: [{ path: 'signatureJson', message: 'Not valid JSON' }] });
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new AppError('BAD_USER_INPUT', 'signatureJson must be a JSON object');
  return v as Record<string, unknown>;
}

export function register(builder: Builder) {
  const ModelVersionStatusEnum = builder.enumType('ModelVersionStatus', { values: MODEL_VERSION_STATUSES });
  const AliasActionEnum = builder.enumType('ModelAliasAction', { values: ['set', 'move', 'delete'] as const });
  const RegisteredModelOrderEnum = builder.enumType('RegisteredModelOrder', {
    values: { NAME: { description: 'By name' }, RECENTLY_UPDATED: { description: 'Most recently updated first (a new version, or an edit of the model)' } } as const,
  });

  const MetricSnapshotRef = builder.objectRef<MetricSnapshot>('ModelMetricSnapshot').implement({
    description: 'A run metric as it was when the version was registered',
    fields: (t) => ({
      key: t.exposeString('key'),
      value: t.field({ type: 'Double', resolve: (m) => (typeof m.value === 'number' ? m.value : Number(m.value)) }),
      step: t.exposeFloat('step'),
      timestamp: t.field({ type: 'DateTime', resolve: (m) => new Date(m.timestamp) }),
    }),
  });

  const ModelVersionRef = ModelVersionTypeRef(builder).implement({
    fields: (t) => ({
      id: t.exposeID('id'),
      modelId: t.exposeID('modelId'),
      modelName: t.exposeString('modelName'),
      version: t.exposeInt('version'),
      source: t.exposeString('source'),
      storageLocation: t.exposeString('storageLocation', { description: 'Where the files are (what model URIs resolve to)' }),
      runId: t.exposeID('runId', { nullable: true }),
      loggedModelId: t.exposeID('loggedModelId', { nullable: true }),
      status: t.field({ type: ModelVersionStatusEnum, resolve: (v) => v.status }),
      statusMessage: t.exposeString('statusMessage', { nullable: true }),
      signatureJson: t.string({ nullable: true, description: 'The model signature as JSON', resolve: (v) => (v.signature ? JSON.stringify(v.signature) : null) }),
      framework: t.exposeString('framework', { nullable: true }),
      sizeBytes: t.exposeFloat('sizeBytes', { nullable: true }),
      metricsSnapshot: t.field({ type: [MetricSnapshotRef], resolve: (v) => v.metricsSnapshot }),
      description: t.exposeString('description'),
      stage: t.exposeString('stage', { description: 'MLflow’s legacy stage; aliases replace it' }),
      tags: t.field({ type: [KeyValueRef(builder)], resolve: (v) => v.tags }),
      aliases: t.exposeStringList('aliases'),
      createdByUserId: t.exposeID('createdBy', { nullable: true }),
      createdByApiKeyId: t.exposeID('createdByApiKey', { nullable: true }),
      createdAt: t.field({ type: 'DateTime', resolve: (v) => new Date(v.createdAt) }),
      updatedAt: t.field({ type: 'DateTime', resolve: (v) => new Date(v.updatedAt) }),
    }),
  });

  // Lineage from the run's side; it lives here because ModelVersion does.
  builder.objectField(RunRef(builder), 'modelVersions', (t) =>
    t.field({
      type: [ModelVersionRef],
      description: 'Model versions registered from this run, newest first',
      resolve: async (r, _a, ctx) => {
        const tenant = await ctx.tenant();
        return (await ctx.batch('runModelVersions', r.id, (ids) => listModelVersionsOfRuns(tenant, ids))) ?? listRunModelVersions(tenant, r.id);
      },
    }),
  );

  const AliasHistoryRef = builder.objectRef<AliasHistoryView>('ModelAliasEvent').implement({
    fields: (t) => ({
      id: t.exposeID('id'),
      action: t.field({ type: AliasActionEnum, resolve: (h) => h.action }),
      fromVersion: t.exposeInt('fromVersion', { nullable: true }),
      toVersion: t.exposeInt('toVersion', { nullable: true }),
      actorUserId: t.exposeID('actorUserId', { nullable: true }),
      actorEmail: t.exposeString('actorEmail', { nullable: true }),
      actorApiKeyId: t.exposeID('actorApiKeyId', { nullable: true }),
      occurredAt: t.field({ type: 'DateTime', resolve: (h) => h.occurredAt }),
    }),
  });

  const AliasProtectionRef = builder.objectRef<NonNullable<ModelAliasView['protection']>>('ModelAliasProtection').implement({
    fields: (t) => ({
      minRole: t.field({ type: OrgRoleEnum(builder), resolve: (p) => p.minRole as ReturnType<typeof OrgRoleEnum>['$inferType'] }),
      requiresPassingEvaluation: t.exposeBoolean('requiresPassingEvaluation'),
    }),
  });

  const ModelAliasRef = builder.objectRef<ModelAliasView>('ModelAlias').implement({
    fields: (t) => ({
      alias: t.exposeString('alias'),
      version: t.exposeInt('version', { nullable: true, description: 'Null when the alias points nowhere (deleted, or protected before first use)' }),
      versionId: t.exposeID('versionId', { nullable: true }),
      updatedAt: t.field({ type: 'DateTime', nullable: true, resolve: (a) => a.updatedAt }),
      protection: t.field({ type: AliasProtectionRef, nullable: true, resolve: (a) => a.protection }),
      history: t.field({ type: [AliasHistoryRef], description: 'Every set, move and delete, newest first', resolve: (a) => a.history }),
    }),
  });

  const RegisteredModelRef = RegisteredModelTypeRef(builder).implement({
    fields: (t) => ({
      id: t.exposeID('id'),
      name: t.exposeString('name'),
      description: t.exposeString('description'),
      tags: t.field({ type: [KeyValueRef(builder)], resolve: (m) => m.tags }),
      createdAt: t.field({ type: 'DateTime', resolve: (m) => new Date(m.createdAt) }),
      updatedAt: t.field({ type: 'DateTime', resolve: (m) => new Date(m.updatedAt) }),
      latestVersion: t.int({ nullable: true, resolve: (m) => m.latestVersion?.version ?? null }),
      project: t.field({
        type: ProjectRef(builder),
        resolve: async (m, _a, ctx) => {
          const tenant = await ctx.tenant();
          return (await ctx.batch('projects', m.projectId, (ids) => getProjects(tenant, ids))) ?? getProject(tenant, m.projectId);
        },
      }),
      aliases: t.field({
        type: [ModelAliasRef],
        description: 'Current, protected and removed aliases, each with its history',
        resolve: async (m, _a, ctx) => {
          const tenant = await ctx.tenant();
          return (await ctx.batch('modelAliases', m.id, (ids) => listAliasesOfModels(tenant, ids))) ?? [];
        },
      }),
    }),
  });

  const DeploymentRef = builder.objectRef<{ id: string }>('LineageDeployment').implement({ fields: (t) => ({ id: t.exposeID('id') }) });

  const LineageRef = builder.objectRef<ModelVersionLineage>('ModelVersionLineage').implement({
    fields: (t) => ({
      model: t.field({ type: RegisteredModelRef, resolve: async (l, _a, ctx) => getRegisteredModel(await ctx.tenant(), { modelId: l.model.id }) }),
      version: t.field({ type: ModelVersionRef, resolve: (l) => l.version }),
      run: t.field({ type: RunRef(builder), nullable: true, description: 'With its params, metrics and input datasets', resolve: (l) => l.run }),
      experiment: t.field({ type: ExperimentRef(builder), nullable: true, resolve: async (l, _a, ctx) => (l.experiment ? getExperiment(await ctx.tenant(), l.experiment.id) : null) }),
      job: t.field({ type: JobTypeRef(builder), nullable: true, description: 'The training job that produced the run', resolve: (l) => l.job }),
      cluster: t.field({ type: ClusterTypeRef(builder), nullable: true, description: 'The cluster the job ran on', resolve: (l) => l.cluster }),
      deployments: t.field({ type: [DeploymentRef], description: 'Deployments serving this version', resolve: (l) => l.deployments }),
    }),
  });

  const ResolvedModelUriRef = builder.objectRef<ResolvedModelUri>('ResolvedModelUri').implement({
    fields: (t) => ({
      uri: t.exposeString('uri'),
      version: t.field({ type: ModelVersionRef, resolve: (r) => r.version }),
      artifactLocation: t.exposeString('artifactLocation'),
    }),
  });

  builder.queryFields((t) => ({
    registeredModels: t.connection({
      type: RegisteredModelRef,
      authScopes: { permission: 'model:read' },
      args: {
        projectId: t.arg.id(),
        search: t.arg.string({ description: 'Case-insensitive substring of the name' }),
        orderBy: t.arg({ type: RegisteredModelOrderEnum, defaultValue: 'NAME' }),
      },
      resolve: async (_r, args, ctx) => {
        const { first, offset } = offsetPage(args);
        const res = await searchRegisteredModels(await ctx.tenant(), {
          projectId: args.projectId == null ? null : String(args.projectId),
          nameContains: args.search,
          orderBy: args.orderBy === 'RECENTLY_UPDATED' ? ['last_updated_timestamp DESC'] : [],
          maxResults: first,
          pageToken: offset ? tokenOf(offset) : null,
        });
        return connection(res.models, offset, res.nextPageToken != null);
      },
    }),
    registeredModel: t.field({
      type: RegisteredModelRef,
      authScopes: { permission: 'model:read' },
      args: { id: t.arg.id(), name: t.arg.string() },
      resolve: async (_r, { id, name }, ctx) => getRegisteredModel(await ctx.tenant(), modelRef(id, name)),
    }),
    modelVersions: t.connection({
      type: ModelVersionRef,
      description: 'Newest first',
      authScopes: { permission: 'model:read' },
      args: { modelId: t.arg.id({ required: true }) },
      resolve: async (_r, args, ctx) => {
        const { first, offset } = offsetPage(args);
        const tenant = await ctx.tenant();
        // A model of another tenant must be NOT_FOUND, not an empty list.
        await getRegisteredModel(tenant, { modelId: String(args.modelId) });
        const res = await searchModelVersions(tenant, { model: { modelId: String(args.modelId) }, maxResults: first, pageToken: offset ? tokenOf(offset) : null });
        return connection(res.versions, offset, res.nextPageToken != null);
      },
    }),
    modelVersion: t.field({
      type: ModelVersionRef,
      authScopes: { permission: 'model:read' },
      args: { id: t.arg.id({ required: true }) },
      resolve: async (_r, { id }, ctx) => getModelVersion(await ctx.tenant(), { versionId: String(id) }),
    }),
    lineage: t.field({
      type: LineageRef,
      description: 'Where a model version came from (run, params, metrics, datasets, job, cluster) and where it is served',
      authScopes: { permission: 'model:read' },
      args: { modelVersionId: t.arg.id({ required: true }) },
      resolve: async (_r, { modelVersionId }, ctx) => getModelVersionLineage(await ctx.tenant(), String(modelVersionId)),
    }),
    resolveModelUri: t.field({
      type: ResolvedModelUriRef,
      description: 'models:/<name>/<version>, models:/<name>@<alias> or models:/<name>/latest',
      authScopes: { permission: 'model:read' },
      args: { uri: t.arg.string({ required: true }) },
      resolve: async (_r, { uri }, ctx) => resolveModelUri(await ctx.tenant(), uri),
    }),
  }));

  const CreateRegisteredModelInput = builder.inputType('CreateRegisteredModelInput', {
    fields: (t) => ({
      projectId: t.id({ required: true }),
      name: t.string({ required: true }),
      description: t.string(),
      tags: t.field({ type: [KeyValueInput(builder)] }),
    }),
  });
  const CreateModelVersionInput = builder.inputType('CreateModelVersionInput', {
    description: 'A version registered from a run’s artifacts, or from an external storage URI',
    fields: (t) => ({
      modelId: t.id({ required: true }),
      runId: t.id({ description: 'The run whose artifacts hold the model' }),
      artifactPath: t.string({ description: 'Path inside the run’s artifacts, e.g. "model"' }),
      source: t.string({ description: 'Instead of runId + artifactPath: a storage URI (s3://…, gs://…)' }),
      description: t.string(),
      tags: t.field({ type: [KeyValueInput(builder)] }),
      framework: t.string(),
      signatureJson: t.string({ description: 'The model signature as a JSON object' }),
      sizeBytes: t.float(),
    }),
  });
  const UpdateRegisteredModelInput = builder.inputType('UpdateRegisteredModelInput', {
    fields: (t) => ({
      modelId: t.id({ required: true }),
      description: t.string(),
      setTags: t.field({ type: [KeyValueInput(builder)] }),
      deleteTagKeys: t.stringList(),
    }),
  });
  const UpdateModelVersionInput = builder.inputType('UpdateModelVersionInput', {
    fields: (t) => ({
      modelVersionId: t.id({ required: true }),
      description: t.string(),
      setTags: t.field({ type: [KeyValueInput(builder)] }),
      deleteTagKeys: t.stringList(),
    }),
  });
  const SetModelAliasInput = builder.inputType('SetModelAliasInput', {
    fields: (t) => ({ modelId: t.id({ required: true }), alias: t.string({ required: true }), version: t.int({ required: true }) }),
  });
  const DeleteModelAliasInput = builder.inputType('DeleteModelAliasInput', {
    fields: (t) => ({ modelId: t.id({ required: true }), alias: t.string({ required: true }) }),
  });
  const ProtectModelAliasInput = builder.inputType('ProtectModelAliasInput', {
    fields: (t) => ({
      modelId: t.id({ required: true }),
      alias: t.string({ required: true }),
      minRole: t.field({ type: OrgRoleEnum(builder), description: 'The lowest role that may move the alias; null lifts the protection' }),
      requiresPassingEvaluation: t.boolean({ defaultValue: false }),
    }),
  });

  builder.mutationFields((t) => ({
    createRegisteredModel: t.field({
      type: RegisteredModelRef,
      authScopes: { permission: 'model:write' },
      args: { input: t.arg({ type: CreateRegisteredModelInput, required: true }) },
      resolve: async (_r, { input }, ctx) =>
        createRegisteredModel(await ctx.tenant(), { projectId: String(input.projectId), name: input.name, description: input.description, tags: input.tags ?? [] }),
    }),
    createModelVersion: t.field({
      type: ModelVersionRef,
      authScopes: { permission: 'model:write' },
      args: { input: t.arg({ type: CreateModelVersionInput, required: true }) },
      resolve: async (_r, { input }, ctx) => {
        const tenant = await ctx.tenant();
        let source = input.source ?? null;
        const runId = input.runId == null ? null : String(input.runId);
        if (source == null) {
          if (!runId) throw new AppError('BAD_USER_INPUT', 'Give runId (with artifactPath) or source');
          const run = await getRun(tenant, runId);
          const path = (input.artifactPath ?? '').replace(/^\/+|\/+$/g, '');
          source = path ? `${runArtifactUri(run.experimentId, run.id)}/${path}` : runArtifactUri(run.experimentId, run.id);
        } else if (input.artifactPath != null) {
          throw new AppError('BAD_USER_INPUT', 'artifactPath goes with runId, not with source');
        }
        return createModelVersion(tenant, {
          model: { modelId: String(input.modelId) },
          source,
          runId,
          description: input.description,
          tags: input.tags ?? [],
          framework: input.framework,
          signature: parseSignature(input.signatureJson),
          sizeBytes: input.sizeBytes,
        });
      },
    }),
    updateRegisteredModel: t.field({
      type: RegisteredModelRef,
      description: 'Changes the description and tags; omitted fields stay as they are',
      authScopes: { permission: 'model:write' },
      args: { input: t.arg({ type: UpdateRegisteredModelInput, required: true }) },
      resolve: async (_r, { input }, ctx) =>
        updateRegisteredModel(await ctx.tenant(), {
          model: { modelId: String(input.modelId) },
          description: input.description,
          setTags: input.setTags ?? [],
          deleteTagKeys: input.deleteTagKeys ?? [],
        }),
    }),
    updateModelVersion: t.field({
      type: ModelVersionRef,
      authScopes: { permission: 'model:write' },
      args: { input: t.arg({ type: UpdateModelVersionInput, required: true }) },
      resolve: async (_r, { input }, ctx) => {
        const tenant = await ctx.tenant();
        const v = await getModelVersion(tenant, { versionId: String(input.modelVersionId) });
        return updateModelVersion(tenant, {
          model: { modelId: v.modelId },
          version: v.version,
          description: input.description,
          setTags: input.setTags ?? [],
          deleteTagKeys: input.deleteTagKeys ?? [],
        });
      },
    }),
    setModelAlias: t.field({
      type: ModelVersionRef,
      description: 'Points the alias at the version, creating or moving it; protected aliases need their minimum role',
      authScopes: { permission: 'model:write' },
      args: { input: t.arg({ type: SetModelAliasInput, required: true }) },
      resolve: async (_r, { input }, ctx) => setModelAlias(await ctx.tenant(), { model: { modelId: String(input.modelId) }, alias: input.alias, version: input.version }),
    }),
    deleteModelAlias: t.field({
      type: 'Boolean',
      authScopes: { permission: 'model:write' },
      args: { input: t.arg({ type: DeleteModelAliasInput, required: true }) },
      resolve: async (_r, { input }, ctx) => {
        await deleteModelAlias(await ctx.tenant(), { model: { modelId: String(input.modelId) }, alias: input.alias });
        return true;
      },
    }),
    protectModelAlias: t.field({
      type: ModelAliasRef,
      authScopes: { permission: 'model:alias-protect' },
      args: { input: t.arg({ type: ProtectModelAliasInput, required: true }) },
      resolve: async (_r, { input }, ctx) => {
        const tenant = await ctx.tenant();
        const model = { modelId: String(input.modelId) };
        await protectModelAlias(tenant, { model, alias: input.alias, minRole: input.minRole ?? null, requiresPassingEvaluation: input.requiresPassingEvaluation ?? false });
        const aliases = await listModelAliases(tenant, model);
        return aliases.find((a) => a.alias === input.alias) ?? { alias: input.alias, version: null, versionId: null, updatedAt: null, protection: null, history: [] };
      },
    }),
  }));
}
