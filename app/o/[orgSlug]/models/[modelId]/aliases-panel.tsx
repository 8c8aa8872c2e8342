'use client';

import Link from 'next/link';
import { useState } from 'react';
import { graphql } from '@/app/gql';
import type { ModelAliasAction, OrgRole } from '@/app/gql/graphql';
import { useConfirm } from '@/app/components/confirm';
import { ArrowRightIcon, HistoryIcon, LockIcon, ShieldIcon, TagIcon, TrashIcon } from '@/app/components/icons';
import { AliasChip } from '@/app/components/model-badges';
import { useToast } from '@/app/components/toast';
import { Badge, Button, Card, CardHeader, EmptyState, Field, Input, Select, cx } from '@/app/components/ui';
import { formatDateTime, formatRelative } from '@/app/lib/format';
import { useFormErrors } from '@/app/lib/forms';
import { useGqlMutation } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';
import { actorText, aliasEventText, aliasUri, PROTECT_ROLES, roleAndAbove } from '@/app/lib/registry';
import { useCan, useViewer } from '@/app/lib/viewer';
import { aliasProblem } from '@/rules/model-names';
import { ApiErrorBanner } from '../editors';

const SetModelAliasMutation = graphql(`
  mutation SetModelAlias($input: SetModelAliasInput!) {
    setModelAlias(input: $input) {
      id
      version
      aliases
    }
  }
`);

const DeleteModelAliasMutation = graphql(`
  mutation DeleteModelAlias($input: DeleteModelAliasInput!) {
    deleteModelAlias(input: $input)
  }
`);

const ProtectModelAliasMutation = graphql(`
  mutation ProtectModelAlias($input: ProtectModelAliasInput!) {
    protectModelAlias(input: $input) {
      alias
      protection {
        minRole
        requiresPassingEvaluation
      }
    }
  }
`);

export interface AliasEvent {
  id: string;
  action: ModelAliasAction;
  fromVersion: number | null;
  toVersion: number | null;
  actorUserId: string | null;
  actorEmail: string | null;
  actorApiKeyId: string | null;
  occurredAt: string;
}

export interface AliasInfo {
  alias: string;
  version: number | null;
  versionId: string | null;
  updatedAt: string | null;
  protection: { minRole: OrgRole; requiresPassingEvaluation: boolean } | null;
  history: AliasEvent[];
}

const ROLE_RANK: Record<OrgRole, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };
const HISTORY_SHOWN = 4;

const ACTION_DOT: Record<ModelAliasAction, string> = { set: 'bg-emerald-500', move: 'bg-brand-500', delete: 'bg-red-500' };

function History({ events }: { events: AliasEvent[] }) {
  const [all, setAll] = useState(false);
  if (events.length === 0) return <p className="text-[13px] text-zinc-400">No changes recorded yet.</p>;
  const shown = all ? events : events.slice(0, HISTORY_SHOWN);
  return (
    <div>
      <ol className="relative space-y-2.5 border-l border-zinc-200 pl-4" data-testid="alias-history">
        {shown.map((e) => (
          <li key={e.id} className="relative text-[13px]" data-testid="alias-history-entry" data-action={e.action}>
            <span aria-hidden="true" className={cx('absolute top-1.5 -left-[1.3rem] size-2 rounded-full ring-2 ring-white', ACTION_DOT[e.action])} />
            <p className="font-medium text-zinc-800">{aliasEventText(e)}</p>
            <p className="text-zinc-500">
              by <span className="text-zinc-700">{actorText(e)}</span> ·{' '}
              <time dateTime={e.occurredAt} title={formatDateTime(e.occurredAt)}>
                {formatRelative(e.occurredAt)}
              </time>
            </p>
          </li>
        ))}
      </ol>
      {events.length > HISTORY_SHOWN && (
        <button type="button" onClick={() => setAll((v) => !v)} className="mt-2 text-[13px] font-medium text-brand-700 hover:text-brand-800">
          {all ? 'Show fewer' : `Show all ${events.length} changes`}
        </button>
      )}
    </div>
  );
}

function ProtectForm({ modelId, alias, onDone }: { modelId: string; alias: AliasInfo; onDone: () => void }) {
  const toast = useToast();
  const viewer = useViewer();
  const myRank = viewer.data ? ROLE_RANK[viewer.data.viewer.role] : 0;
  const [minRole, setMinRole] = useState<OrgRole>(alias.protection?.minRole ?? 'admin');
  const [requiresEval, setRequiresEval] = useState(alias.protection?.requiresPassingEvaluation ?? false);
  const protect = useGqlMutation(ProtectModelAliasMutation);

  function submit(e: React.FormEvent) {
    e.preventDefault();
    protect.mutate(
      { input: { modelId, alias: alias.alias, minRole, requiresPassingEvaluation: requiresEval } },
      {
        onSuccess: () => {
          toast.success(`@${alias.alias} is protected`, `Only ${roleAndAbove(minRole)} may move or delete it.`);
          onDone();
        },
      },
    );
  }

  return (
    <form onSubmit={submit} className="mt-3 space-y-3 rounded-lg border border-zinc-200 bg-zinc-50/70 p-3" data-testid="protect-form">
      <div className="flex flex-wrap items-end gap-3">
        <Field label="Who may move it" htmlFor={`protect-role-${alias.alias}`} className="min-w-40">
          <Select id={`protect-role-${alias.alias}`} value={minRole} onChange={(e) => setMinRole(e.target.value as OrgRole)} className="h-8 text-[13px]">
            {PROTECT_ROLES.map((r) => (
              <option key={r} value={r} disabled={ROLE_RANK[r] > myRank}>
                {roleAndAbove(r).replace(/^./, (c) => c.toUpperCase())}
              </option>
            ))}
          </Select>
        </Field>
        <label className="flex h-8 items-center gap-2 text-[13px] text-zinc-700">
          <input type="checkbox" checked={requiresEval} onChange={(e) => setRequiresEval(e.target.checked)} className="size-4 rounded border-zinc-300 text-brand-600" />
          Require a passing evaluation
        </label>
      </div>
      {protect.error && <ApiErrorBanner error={protect.error} testId="alias-error" />}
      <div className="flex justify-end gap-2">
        <Button variant="secondary" size="sm" onClick={onDone}>
          Cancel
        </Button>
        <Button type="submit" size="sm" loading={protect.isPending}>
          <ShieldIcon className="size-3.5" /> {alias.protection ? 'Save protection' : 'Protect alias'}
        </Button>
      </div>
    </form>
  );
}

function AliasCard({
  modelId,
  modelName,
  alias,
  versionIds,
  canWrite,
  canProtect,
}: {
  modelId: string;
  modelName: string;
  alias: AliasInfo;
  versionIds: Map<number, string>;
  canWrite: boolean;
  canProtect: boolean;
}) {
  const { org } = useOrg();
  const toast = useToast();
  const confirm = useConfirm();
  const [protecting, setProtecting] = useState(false);
  const remove = useGqlMutation(DeleteModelAliasMutation);
  const unprotect = useGqlMutation(ProtectModelAliasMutation);
  const error = remove.error ?? unprotect.error;
  const viewer = useViewer();
  const versionId = alias.versionId ?? (alias.version != null ? versionIds.get(alias.version) : undefined);
  // The server decides; this only hides a button that would be refused.
  const myRole = viewer.data?.viewer.role;
  const mayMove = !alias.protection || (myRole != null && ROLE_RANK[myRole] >= ROLE_RANK[alias.protection.minRole]);

  async function onDelete() {
    const ok = await confirm({
      title: `Delete @${alias.alias}?`,
      body: (
        <>
          <code className="font-mono">{aliasUri(modelName, alias.alias)}</code> will stop resolving. Anything loading the model by this alias fails until it is set again.
        </>
      ),
      confirmLabel: 'Delete alias',
      danger: true,
    });
    if (!ok) return;
    remove.mutate({ input: { modelId, alias: alias.alias } }, { onSuccess: () => toast.success(`@${alias.alias} deleted`) });
  }

  return (
    <li className="rounded-lg border border-zinc-200 p-4" data-testid="alias-card" data-alias={alias.alias}>
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div className="min-w-0">
          <div className="flex flex-wrap items-center gap-2">
            <AliasChip alias={alias.alias} protectedAlias={!!alias.protection} className="text-[12.5px]" />
            <ArrowRightIcon className="size-3.5 text-zinc-300" />
            {alias.version != null ? (
              versionId ? (
                <Link href={`/o/${org.slug}/models/${modelId}/versions/${versionId}`} className="font-medium text-zinc-900 hover:text-brand-700" data-testid="alias-target">
                  v{alias.version}
                </Link>
              ) : (
                <span className="font-medium text-zinc-900" data-testid="alias-target">
                  v{alias.version}
                </span>
              )
            ) : (
              <span className="text-[13px] text-zinc-400" data-testid="alias-target">
                points nowhere
              </span>
            )}
          </div>
          <p className="mt-1 truncate font-mono text-[11.5px] text-zinc-400">{aliasUri(modelName, alias.alias)}</p>
        </div>
        <div className="flex items-center gap-1">
          {canProtect && !protecting && (
            <Button variant="ghost" size="sm" onClick={() => setProtecting(true)}>
              <ShieldIcon className="size-3.5" /> {alias.protection ? 'Edit protection' : 'Protect'}
            </Button>
          )}
          {canProtect && alias.protection && (
            <Button
              variant="ghost"
              size="sm"
              loading={unprotect.isPending}
              onClick={() =>
                unprotect.mutate(
                  { input: { modelId, alias: alias.alias, minRole: null } },
                  { onSuccess: () => toast.success(`@${alias.alias} is no longer protected`) },
                )
              }
            >
              Unprotect
            </Button>
          )}
          {canWrite && mayMove && alias.version != null && (
            <Button variant="danger-ghost" size="sm" onClick={() => void onDelete()} loading={remove.isPending} aria-label={`Delete alias ${alias.alias}`}>
              <TrashIcon className="size-3.5" /> Delete
            </Button>
          )}
        </div>
      </div>

      <div className="mt-2 flex flex-wrap gap-1.5">
        {alias.protection ? (
          <Badge tone="amber">
            <LockIcon className="size-3" />
            <span data-testid="alias-protection">Protected · {roleAndAbove(alias.protection.minRole)}</span>
          </Badge>
        ) : (
          <Badge>Unprotected</Badge>
        )}
        {alias.protection?.requiresPassingEvaluation && <Badge tone="blue">Needs a passing evaluation</Badge>}
      </div>

      {protecting && <ProtectForm modelId={modelId} alias={alias} onDone={() => setProtecting(false)} />}
      {error && <ApiErrorBanner error={error} testId="alias-error" className="mt-3" />}

      <div className="mt-4">
        <p className="mb-2 flex items-center gap-1.5 text-[11px] font-semibold uppercase tracking-wider text-zinc-400">
          <HistoryIcon className="size-3.5" /> History
        </p>
        <History events={alias.history} />
      </div>
    </li>
  );
}

function SetAliasForm({ modelId, aliases, versions }: { modelId: string; aliases: AliasInfo[]; versions: { version: number }[] }) {
  const toast = useToast();
  const viewer = useViewer();
  const errors = useFormErrors();
  const [alias, setAlias] = useState('');
  const [version, setVersion] = useState('');
  const set = useGqlMutation(SetModelAliasMutation);
  const chosen = version || String(versions[0]?.version ?? '');
  const existing = aliases.find((a) => a.alias === alias.trim());
  const myRole = viewer.data?.viewer.role;
  const blocked = existing?.protection && myRole ? ROLE_RANK[myRole] < ROLE_RANK[existing.protection.minRole] : false;

  function submit(e: React.FormEvent) {
    e.preventDefault();
    set.reset();
    if (!errors.check({ alias: aliasProblem(alias.trim()), version: chosen ? undefined : 'Choose a version' })) return;
    set.mutate(
      { input: { modelId, alias: alias.trim(), version: Number(chosen) } },
      {
        onSuccess: (d) => {
          toast.success(`@${alias.trim()} → v${d.setModelAlias.version}`, existing?.version != null ? `Moved from v${existing.version}.` : undefined);
          setAlias('');
          setVersion('');
        },
      },
    );
  }

  return (
    <form onSubmit={submit} noValidate className="border-b border-zinc-100 bg-zinc-50/60 px-5 py-4" data-testid="set-alias-form">
      <div className="flex flex-wrap items-start gap-3">
        <Field label="Alias" htmlFor="alias-name" error={errors.fields.alias} className="min-w-48 flex-1">
          <Input
            id="alias-name"
            list="alias-names"
            placeholder="e.g. champion"
            maxLength={255}
            value={alias}
            invalid={!!errors.fields.alias}
            onChange={(e) => {
              setAlias(e.target.value);
              errors.clearField('alias');
              set.reset();
            }}
            className="font-mono"
          />
          <datalist id="alias-names">
            {aliases.map((a) => (
              <option key={a.alias} value={a.alias} />
            ))}
          </datalist>
        </Field>
        <Field label="Version" htmlFor="alias-version" error={errors.fields.version} className="w-40">
          <Select id="alias-version" value={chosen} onChange={(e) => setVersion(e.target.value)} invalid={!!errors.fields.version}>
            {versions.map((v) => (
              <option key={v.version} value={v.version}>
                v{v.version}
              </option>
            ))}
          </Select>
        </Field>
        <Button type="submit" loading={set.isPending} className="mt-[1.625rem]">
          <TagIcon className="size-4" /> {existing?.version != null ? 'Move alias' : 'Set alias'}
        </Button>
      </div>
      {existing?.version != null && !errors.fields.alias && (
        <p className="mt-2 text-[13px] text-zinc-500" data-testid="alias-move-hint">
          @{existing.alias} points at v{existing.version} now{chosen && Number(chosen) !== existing.version ? `; it will move to v${chosen}` : ''}.
          {existing.protection && (
            <span className={blocked ? 'text-amber-700' : undefined}>
              {' '}
              Protected: {roleAndAbove(existing.protection.minRole)} may move it{blocked ? ', and your role is ' + myRole : ''}.
            </span>
          )}
        </p>
      )}
      {set.error && <ApiErrorBanner error={set.error} testId="alias-error" className="mt-3" />}
    </form>
  );
}

/** Every alias of the model with the version it names, its protection and who moved it when. */
export function AliasesPanel({
  modelId,
  modelName,
  aliases,
  versions,
}: {
  modelId: string;
  modelName: string;
  aliases: AliasInfo[];
  versions: { id: string; version: number }[];
}) {
  const canWrite = useCan('MODEL_WRITE') === true;
  const canProtect = useCan('MODEL_ALIAS_PROTECT') === true;
  const versionIds = new Map(versions.map((v) => [v.version, v.id]));
  return (
    <Card id="aliases">
      <CardHeader
        title={
          <span className="inline-flex items-center gap-2">
            <TagIcon className="size-4 text-zinc-400" /> Aliases
          </span>
        }
        description={
          <>
            The mlflow client loads <code className="font-mono text-[12.5px]">{aliasUri(modelName, '<alias>')}</code>; moving an alias promotes a version.
          </>
        }
      />
      {canWrite && versions.length > 0 && <SetAliasForm modelId={modelId} aliases={aliases} versions={versions} />}
      {aliases.length === 0 ? (
        <div className="p-5">
          <EmptyState
            compact
            icon={<TagIcon />}
            title="No aliases yet"
            description={
              versions.length === 0
                ? 'Register a version first; then point an alias such as champion at it.'
                : canWrite
                  ? 'Point an alias such as champion at a version above.'
                  : 'Members point aliases such as champion at versions.'
            }
          />
        </div>
      ) : (
        <ul className="grid gap-4 p-5 lg:grid-cols-2" data-testid="aliases">
          {aliases.map((a) => (
            <AliasCard key={a.alias} modelId={modelId} modelName={modelName} alias={a} versionIds={versionIds} canWrite={canWrite} canProtect={canProtect} />
          ))}
        </ul>
      )}
    </Card>
  );
}
