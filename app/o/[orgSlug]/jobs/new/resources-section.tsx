'use client';

import { Field, Input } from '@/app/components/ui';
import { formatMicros, jobCostMicros, toMicros, worstCaseJobMicros } from '@/rules/money';
import { Section } from './form-section';
import type { FormErrors, JobFormCluster, JobFormValues } from './job-form';

/** What the cluster reserves and charges for, with the price of an hour and of the whole run at its prices. */
export function ResourcesSection({
  f,
  set,
  errors,
  cluster,
}: {
  f: JobFormValues;
  set: (key: keyof JobFormValues, value: string) => void;
  errors: FormErrors;
  cluster: JobFormCluster | undefined;
}) {
  const gpuTypes = [...new Set([...(cluster?.capacity?.gpus.map((g) => g.gpuType) ?? []), ...(cluster?.prices.gpu.map((g) => g.gpuType) ?? [])])].sort();

  // What the cluster's catalog charges for these resources, by the rule jobs are charged by.
  const cpu = Number(f.cpu);
  const mem = Number(f.memoryMiB);
  const gpus = Number(f.gpuCount) || 0;
  const maxMinutes = Number(f.maxRuntime);
  const attempts = (Number(f.retries) || 0) + 1;
  let costOf: ((seconds: number) => number) | null = null;
  let worstCase = 0;
  if (cluster && cpu > 0 && mem > 0) {
    const p = cluster.prices;
    const prices = { cpuCoreHourMicros: toMicros(p.cpuCoreHourMicros), memoryGibHourMicros: toMicros(p.memoryGibHourMicros), gpu: p.gpu.map((g) => ({ gpuType: g.gpuType, hourMicros: toMicros(g.hourMicros) })) };
    const resources = { cpu, memoryMiB: mem, gpuCount: gpus, gpuType: f.gpuType.trim() || null };
    costOf = (seconds) => jobCostMicros(seconds, resources, prices);
    worstCase = maxMinutes > 0 ? worstCaseJobMicros(maxMinutes * 60, attempts, resources, prices) : 0;
  }

  return (
    <Section title="Resources" description="Requested resources are what the cluster reserves, and what the job is charged for.">
      <div className="grid gap-4 sm:grid-cols-4">
        <Field label="CPU cores" htmlFor="job-cpu" error={errors.cpu}>
          <Input id="job-cpu" inputMode="decimal" value={f.cpu} invalid={!!errors.cpu} onChange={(e) => set('cpu', e.target.value)} />
        </Field>
        <Field label="Memory (MiB)" htmlFor="job-memory" error={errors.memoryMiB}>
          <Input id="job-memory" inputMode="numeric" value={f.memoryMiB} invalid={!!errors.memoryMiB} onChange={(e) => set('memoryMiB', e.target.value)} />
        </Field>
        <Field label="GPUs" htmlFor="job-gpus" error={errors.gpuCount}>
          <Input id="job-gpus" inputMode="numeric" value={f.gpuCount} invalid={!!errors.gpuCount} onChange={(e) => set('gpuCount', e.target.value)} />
        </Field>
        <Field label="GPU type" htmlFor="job-gpu-type" optional error={errors.gpuType}>
          <Input
            id="job-gpu-type"
            list="job-gpu-types"
            placeholder={gpus > 0 ? 'Any' : '—'}
            disabled={!(gpus > 0)}
            value={gpus > 0 ? f.gpuType : ''}
            invalid={!!errors.gpuType}
            onChange={(e) => set('gpuType', e.target.value)}
            className="font-mono text-[13px]"
            autoComplete="off"
          />
          <datalist id="job-gpu-types">
            {gpuTypes.map((t) => (
              <option key={t} value={t} />
            ))}
          </datalist>
        </Field>
      </div>
      <div className="grid gap-4 sm:grid-cols-4">
        <Field label="Max runtime (minutes)" htmlFor="job-max-runtime" error={errors.maxRuntime} className="sm:col-span-2">
          <Input id="job-max-runtime" inputMode="decimal" value={f.maxRuntime} invalid={!!errors.maxRuntime} onChange={(e) => set('maxRuntime', e.target.value)} />
        </Field>
        <Field label="Retries" htmlFor="job-retries" hint="After a failed attempt" error={errors.retries} className="sm:col-span-2">
          <Input id="job-retries" inputMode="numeric" value={f.retries} invalid={!!errors.retries} onChange={(e) => set('retries', e.target.value)} />
        </Field>
      </div>
      {costOf !== null && (
        <p className="rounded-lg bg-zinc-50 px-3 py-2 text-[13px] text-zinc-600 ring-1 ring-zinc-100" data-testid="cost-estimate">
          At {cluster!.name}’s prices: <span className="font-medium tabular-nums text-zinc-900">{formatMicros(costOf(3600))}</span> per hour
          {maxMinutes > 0 && (
            <>
              , at most <span className="font-medium tabular-nums text-zinc-900">{formatMicros(costOf(maxMinutes * 60))}</span> if it runs the full {maxMinutes} minutes
              {attempts > 1 && (
                <>
                  {' '}
                  (<span className="font-medium tabular-nums text-zinc-900">{formatMicros(worstCase)}</span> over its {attempts} attempts)
                </>
              )}
            </>
          )}
          . {maxMinutes > 0 && 'Its team’s budget holds the most it can cost while it runs.'}
        </p>
      )}
    </Section>
  );
}
