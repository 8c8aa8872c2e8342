import type { Command, Context, OptionValues } from '../command';
import { usageError } from '../exit-codes';
import { callGraphQL } from '../graphql-call';
import { formatTable, shortTime } from '../table';

export const MODELS_LIST_QUERY = `query Models($first: Int, $search: String) {
  registeredModels(first: $first, search: $search) {
    edges { node { id name description latestVersion updatedAt aliases { alias version } } }
    pageInfo { hasNextPage }
  }
}`;

export const MODEL_SHOW_QUERY = `query Model($name: String!) {
  registeredModel(name: $name) {
    id name description latestVersion createdAt updatedAt
    tags { key value }
    aliases {
      alias version
      protection { minRole requiresPassingEvaluation }
      history { action fromVersion toVersion actorEmail actorApiKeyId occurredAt }
    }
  }
}`;

export const MODEL_VERSIONS_QUERY = `query ModelVersions($modelId: ID!, $first: Int) {
  modelVersions(modelId: $modelId, first: $first) {
    edges { node { id version status source runId framework aliases createdAt description } }
    pageInfo { hasNextPage }
  }
}`;

export const SET_ALIAS_MUTATION = `mutation SetAlias($input: SetModelAliasInput!) {
  setModelAlias(input: $input) { id modelName version aliases }
}`;

interface ModelNode {
  id: string;
  name: string;
  description: string;
  latestVersion: number | null;
  updatedAt: string;
  aliases: { alias: string; version: number | null }[];
}
interface AliasNode {
  alias: string;
  version: number | null;
  protection: { minRole: string; requiresPassingEvaluation: boolean } | null;
  history: { action: string; fromVersion: number | null; toVersion: number | null; actorEmail: string | null; actorApiKeyId: string | null; occurredAt: string }[];
}
interface VersionNode {
  id: string;
  version: number;
  status: string;
  source: string;
  runId: string | null;
  framework: string | null;
  aliases: string[];
  createdAt: string;
  description: string;
}

const aliasList = (aliases: { alias: string; version: number | null }[]) =>
  aliases
    .filter((a) => a.version != null)
    .map((a) => `${a.alias}→${a.version}`)
    .join(', ') || '-';

function limitOf(values: OptionValues): number {
  const raw = values.limit;
  if (raw === undefined) return 50;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw usageError(`--limit must be a whole number from 1 to 100, got '${String(raw)}'.`);
  return n;
}

async function list(ctx: Context, values: OptionValues) {
  const search = typeof values.search === 'string' ? values.search : undefined;
  const data = await callGraphQL<{ registeredModels: { edges: { node: ModelNode }[]; pageInfo: { hasNextPage: boolean } } }>(ctx, MODELS_LIST_QUERY, {
    first: limitOf(values),
    search,
  });
  const models = data.registeredModels.edges.map((e) => e.node);
  const human = models.length
    ? formatTable([['NAME', 'LATEST', 'ALIASES', 'UPDATED'], ...models.map((m) => [m.name, m.latestVersion == null ? '-' : String(m.latestVersion), aliasList(m.aliases), shortTime(m.updatedAt)])]) +
      (data.registeredModels.pageInfo.hasNextPage ? '\n(more models: raise --limit or narrow with --search)' : '')
    : 'No registered models.';
  ctx.out.result(human, { models, hasMore: data.registeredModels.pageInfo.hasNextPage });
}

async function show(ctx: Context, name: string, values: OptionValues) {
  const { registeredModel: model } = await callGraphQL<{ registeredModel: Omit<ModelNode, 'aliases'> & { tags: { key: string; value: string }[]; createdAt: string; aliases: AliasNode[] } }>(
    ctx,
    MODEL_SHOW_QUERY,
    { name },
  );
  const { modelVersions } = await callGraphQL<{ modelVersions: { edges: { node: VersionNode }[]; pageInfo: { hasNextPage: boolean } } }>(ctx, MODEL_VERSIONS_QUERY, {
    modelId: model.id,
    first: limitOf(values),
  });
  const versions = modelVersions.edges.map((e) => e.node);
  const lines = [
    `Model ${model.name} (${model.id})`,
    ...(model.description ? [`  ${model.description}`] : []),
    `  Tags:     ${model.tags.map((t) => `${t.key}=${t.value}`).join(', ') || '-'}`,
    `  Updated:  ${shortTime(model.updatedAt)}`,
    '',
    'Versions:',
    versions.length
      ? formatTable([['VERSION', 'STATUS', 'ALIASES', 'RUN', 'CREATED', 'SOURCE'], ...versions.map((v) => [String(v.version), v.status, v.aliases.join(',') || '-', v.runId ?? '-', shortTime(v.createdAt), v.source])])
      : '  none',
    '',
    'Aliases:',
    model.aliases.length
      ? formatTable([
          ['ALIAS', 'VERSION', 'PROTECTED', 'LAST CHANGE'],
          ...model.aliases.map((a) => {
            const last = a.history[0];
            const change = last ? `${last.action} ${last.fromVersion ?? '-'}→${last.toVersion ?? '-'} by ${last.actorEmail ?? 'unknown'}${last.actorApiKeyId ? ' (API key)' : ''} at ${shortTime(last.occurredAt)}` : '-';
            return [a.alias, a.version == null ? '-' : String(a.version), a.protection ? `${a.protection.minRole}+${a.protection.requiresPassingEvaluation ? ', eval' : ''}` : 'no', change];
          }),
        ])
      : '  none',
  ];
  ctx.out.result(lines.join('\n'), { model, versions, moreVersions: modelVersions.pageInfo.hasNextPage });
}

async function setAlias(ctx: Context, [name, alias, versionRaw]: string[]) {
  if (!name || !alias || !versionRaw) throw usageError('Missing arguments.', 'Usage: gantry models alias set <name> <alias> <version>');
  const version = Number(versionRaw);
  if (!Number.isInteger(version) || version < 1) throw usageError(`Version must be a positive whole number, got '${versionRaw}'.`);
  const { registeredModel } = await callGraphQL<{ registeredModel: { id: string } }>(ctx, 'query($name: String!) { registeredModel(name: $name) { id } }', { name });
  const { setModelAlias } = await callGraphQL<{ setModelAlias: { id: string; modelName: string; version: number; aliases: string[] } }>(ctx, SET_ALIAS_MUTATION, {
    input: { modelId: registeredModel.id, alias, version },
  });
  ctx.out.result(`${setModelAlias.modelName}@${alias} → version ${setModelAlias.version}`, { model: setModelAlias.modelName, alias, version: setModelAlias.version, versionId: setModelAlias.id });
}

export const models: Command = {
  name: 'models',
  summary: 'List and inspect registered models; move their aliases',
  usage: 'gantry models ls [--search TEXT] [--limit N] | show <name> | alias set <name> <alias> <version>',
  help: `Subcommands:
  ls                              registered models with their latest version and aliases
  show <name>                     versions, tags, aliases and who last moved each alias
  alias set <name> <alias> <ver>  point an alias (e.g. champion) at a version; protected
                                  aliases need their minimum role and an admin-scoped key

Flags:
  --search TEXT   ls: only models whose name contains TEXT (any case)
  --limit N       ls: models, show: versions to list (1-100, default 50)

Examples:
  gantry models ls --search churn
  gantry models show churn --json | jq '.versions[0].source'
  gantry models alias set churn champion 3`,
  options: { search: { type: 'string' }, limit: { type: 'string' } },
  args: [
    { name: 'ls|show|alias', required: true },
    { name: 'ARG', required: false },
    { name: 'ARG', required: false },
    { name: 'ARG', required: false },
    { name: 'ARG', required: false },
  ],
  async run(ctx, { values, positionals }) {
    const [sub, ...rest] = positionals;
    switch (sub) {
      case 'ls':
        if (rest.length) throw usageError(`Unexpected argument '${rest[0]}'.`, 'Usage: gantry models ls [--search TEXT] [--limit N]');
        return list(ctx, values);
      case 'show':
        if (rest.length !== 1) throw usageError('Give exactly one model name.', 'Usage: gantry models show <name>');
        return show(ctx, rest[0]!, values);
      case 'alias':
        if (rest[0] !== 'set' || rest.length !== 4) throw usageError('Usage: gantry models alias set <name> <alias> <version>');
        return setAlias(ctx, rest.slice(1));
      default:
        throw usageError(`Unknown subcommand '${sub}'.`, 'Subcommands: ls, show, alias set. Run \'gantry models --help\'.');
    }
  },
};
