'use client';

import { useState } from 'react';
import { graphql } from '@/app/gql';
import type { DeploymentArmRole, DeploymentStickySource } from '@/app/gql/graphql';
import { PlusIcon, TrashIcon } from '@/app/components/icons';
import { useToast } from '@/app/components/toast';
import { Banner, Button, cx, Input, Select } from '@/app/components/ui';
import { versionColor, versionLabel } from '@/app/lib/deployments';
import { useGqlMutation, useGqlQuery } from '@/app/lib/gql-hooks';
import { TrafficBar } from '../traffic-bar';

export const TrafficVersionsQuery = graphql(`
  query TrafficVersions($modelId: ID!) {
    modelVersions(modelId: $modelId, first: 100) {
      edges {
        node {
          id
          version
          status
        }
      }
    }
  }
`);

const SetTrafficMutation = graphql(`
  mutation SetDeploymentTraffic($input: SetDeploymentTrafficInput!) {
    setDeploymentTraffic(input: $input) {
      id
      trafficGeneration
    }
  }
`);

interface ArmDraft {
  version: number;
  weight: number;
  role: DeploymentArmRole;
}

export interface TrafficNow {
  arms: { versionNumber: number; weight: number; role: DeploymentArmRole }[];
  sticky: { source: DeploymentStickySource; name: string } | null;
  shadows: { versionNumber: number }[];
}

const ROLES: DeploymentArmRole[] = ['stable', 'canary', 'variant'];

/**
 * Edits the traffic policy as a whole: the arms with their weights, a canary beside the stable
 * version, shadows, a sticky key. Nothing changes until it is saved; the server checks the policy
 * again (weights adding up to 100, one stable, at most one canary, servable versions) and says why not.
 */
export function TrafficEditor({ deploymentId, modelId, traffic, onDone }: { deploymentId: string; modelId: string; traffic: TrafficNow; onDone: () => void }) {
  const toast = useToast();
  const versions = useGqlQuery(TrafficVersionsQuery, { modelId });
  const ready = (versions.data?.modelVersions.edges.map((e) => e.node) ?? []).filter((v) => v.status === 'READY').sort((a, b) => b.version - a.version);
  const [arms, setArms] = useState<ArmDraft[]>(traffic.arms.map((a) => ({ version: a.versionNumber, weight: a.weight, role: a.role })));
  const [shadows, setShadows] = useState<number[]>(traffic.shadows.map((s) => s.versionNumber));
  const [sticky, setSticky] = useState<{ source: DeploymentStickySource; name: string } | null>(traffic.sticky);
  const [error, setError] = useState<string | null>(null);
  const save = useGqlMutation(SetTrafficMutation);

  const used = new Set([...arms.map((a) => a.version), ...shadows]);
  const free = ready.filter((v) => !used.has(v.version));
  const sum = arms.reduce((n, a) => n + (Number.isFinite(a.weight) ? a.weight : 0), 0);
  const hasCanary = arms.some((a) => a.role === 'canary');
  const update = (i: number, patch: Partial<ArmDraft>) => setArms((list) => list.map((a, j) => (j === i ? { ...a, ...patch } : a)));

  function addCanary() {
    const next = free[0];
    if (!next) return;
    // A canary takes its first 10% from the stable version.
    setArms((list) => [...list.map((a) => (a.role === 'stable' ? { ...a, weight: Math.max(0, a.weight - 10) } : a)), { version: next.version, weight: 10, role: 'canary' }]);
  }

  function submit(e: React.FormEvent) {
    e.preventDefault();
    setError(null);
    if (sticky && !sticky.name.trim()) return setError('Name the header or input the sticky key is read from');
    save.mutate(
      { input: { deploymentId, arms: arms.map((a) => ({ version: a.version, weight: a.weight, role: a.role })), shadows, sticky: sticky ? { source: sticky.source, name: sticky.name.trim() } : null } },
      {
        onSuccess: () => {
          toast.success('Traffic updated', 'Every gateway replica routes by the new policy within a second.');
          onDone();
        },
        onError: (err) => setError(err.message),
      },
    );
  }

  return (
    <form onSubmit={submit} aria-label="Edit traffic" className="space-y-5">
      {error && <Banner tone="error">{error}</Banner>}
      <div>
        <div className="mb-2 flex items-center justify-between">
          <h3 className="text-sm font-medium text-zinc-800">Arms</h3>
          <span className={cx('text-[13px] tabular-nums', sum === 100 ? 'text-zinc-500' : 'font-medium text-red-600')} data-testid="weight-sum">
            {sum}% of 100%
          </span>
        </div>
        <ul className="space-y-2">
          {arms.map((a, i) => (
            <li key={i} className="flex flex-wrap items-center gap-2" data-testid="arm-row">
              <span className="size-3 shrink-0 rounded-sm" style={{ background: versionColor(a.version) }} />
              <Select aria-label={`Arm ${i + 1} version`} value={a.version} onChange={(e) => update(i, { version: Number(e.target.value) })} className="w-28">
                {[...new Set([a.version, ...ready.map((v) => v.version)])]
                  .filter((v) => v === a.version || !used.has(v))
                  .sort((x, y) => y - x)
                  .map((v) => (
                    <option key={v} value={v}>
                      {versionLabel(v)}
                    </option>
                  ))}
              </Select>
              <Select aria-label={`Arm ${i + 1} role`} value={a.role} onChange={(e) => update(i, { role: e.target.value as DeploymentArmRole })} className="w-28">
                {ROLES.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </Select>
              <div className="relative w-24">
                <Input aria-label={`Arm ${i + 1} weight`} inputMode="numeric" value={Number.isFinite(a.weight) ? String(a.weight) : ''} onChange={(e) => update(i, { weight: e.target.value === '' ? NaN : Number(e.target.value) })} className="pr-7" />
                <span className="pointer-events-none absolute inset-y-0 right-2.5 flex items-center text-sm text-zinc-400">%</span>
              </div>
              {arms.length > 1 && (
                <Button variant="ghost" size="sm" aria-label={`Remove ${versionLabel(a.version)}`} onClick={() => setArms((list) => list.filter((_, j) => j !== i))}>
                  <TrashIcon className="size-3.5" />
                </Button>
              )}
            </li>
          ))}
        </ul>
        <div className="mt-3 flex flex-wrap gap-2">
          <Button variant="secondary" size="sm" onClick={addCanary} disabled={hasCanary || !free.length || !arms.some((a) => a.role === 'stable')} title={hasCanary ? 'The policy has a canary already' : !free.length ? 'No other ready version' : undefined}>
            <PlusIcon className="size-3.5" /> Add a canary (10%)
          </Button>
          <Button variant="secondary" size="sm" onClick={() => free[0] && setArms((list) => [...list, { version: free[0]!.version, weight: 0, role: 'variant' }])} disabled={!free.length}>
            <PlusIcon className="size-3.5" /> Add an A/B arm
          </Button>
        </div>
      </div>

      <fieldset>
        <legend className="text-sm font-medium text-zinc-800">Shadows</legend>
        <p className="text-[13px] text-zinc-500">Every request is copied to these versions after the caller has its answer; their outputs are recorded, never returned.</p>
        <div className="mt-2 flex flex-wrap gap-2">
          {ready.filter((v) => !arms.some((a) => a.version === v.version)).length === 0 && <span className="text-[13px] text-zinc-400">No other ready version to mirror to.</span>}
          {ready
            .filter((v) => !arms.some((a) => a.version === v.version))
            .map((v) => (
              <label key={v.version} className={cx('inline-flex cursor-pointer items-center gap-2 rounded-md border px-2.5 py-1.5 text-[13px]', shadows.includes(v.version) ? 'border-brand-500/60 bg-brand-50/50' : 'border-zinc-200')}>
                <input type="checkbox" className="size-3.5 accent-zinc-900" checked={shadows.includes(v.version)} onChange={() => setShadows((s) => (s.includes(v.version) ? s.filter((x) => x !== v.version) : [...s, v.version]))} />
                <span className="size-2 rounded-full" style={{ background: versionColor(v.version) }} />
                {versionLabel(v.version)}
              </label>
            ))}
        </div>
      </fieldset>

      <fieldset>
        <legend className="text-sm font-medium text-zinc-800">Sticky key</legend>
        <p className="text-[13px] text-zinc-500">Requests with the same value land on the same arm (an A/B test per customer); without one, each request is drawn anew.</p>
        <div className="mt-2 flex flex-wrap items-center gap-2">
          <Select aria-label="Sticky key source" value={sticky?.source ?? ''} onChange={(e) => setSticky(e.target.value ? { source: e.target.value as DeploymentStickySource, name: sticky?.name ?? '' } : null)} className="w-40">
            <option value="">None</option>
            <option value="header">Header</option>
            <option value="input">Input</option>
          </Select>
          {sticky && <Input aria-label="Sticky key name" value={sticky.name} placeholder={sticky.source === 'header' ? 'x-customer-id' : 'customer_id'} onChange={(e) => setSticky({ ...sticky, name: e.target.value })} className="w-56" />}
        </div>
      </fieldset>

      <div className="rounded-lg border border-zinc-100 bg-zinc-50/60 p-3">
        <p className="mb-2 text-xs font-medium uppercase tracking-wide text-zinc-500">Preview</p>
        <TrafficBar arms={arms.map((a) => ({ versionNumber: a.version, weight: Number.isFinite(a.weight) ? a.weight : 0, role: a.role }))} shadows={shadows.map((versionNumber) => ({ versionNumber }))} />
      </div>

      <div className="flex justify-end gap-2">
        <Button variant="ghost" onClick={onDone}>
          Cancel
        </Button>
        <Button type="submit" loading={save.isPending}>
          Save traffic
        </Button>
      </div>
    </form>
  );
}
