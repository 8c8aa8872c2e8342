'use client';

import { useState } from 'react';
import { graphql } from '@/app/gql';
import type { ClusterPriceFieldsFragment } from '@/app/gql/graphql';
import { PlusIcon, XIcon } from '@/app/components/icons';
import { useToast } from '@/app/components/toast';
import { Banner, Button, Card, CardFooter, CardHeader, Input, Table, TBody, TD, TH, THead, cx } from '@/app/components/ui';
import { useGqlMutation } from '@/app/lib/gql-hooks';
import { isGraphQLRequestError } from '@/app/lib/graphql-client';
import { gpuTypeProblem } from '@/rules/gpu-types';
import { formatPriceMicros, microsToDollars, microsToText, parseDollars } from '@/rules/money';

const UpdatePrices = graphql(`
  mutation UpdateClusterPrices($input: UpdateClusterPricesInput!) {
    updateClusterPrices(input: $input) {
      id
      prices {
        ...ClusterPriceFields
      }
    }
  }
`);

export type Prices = ClusterPriceFieldsFragment;

interface GpuRow {
  key: number;
  gpuType: string;
  price: string;
}

interface Draft {
  cpu: string;
  memory: string;
  gpu: GpuRow[];
}


let nextKey = 1;
const toDraft = (p: Prices): Draft => ({
  cpu: microsToDollars(p.cpuCoreHourMicros, { minDecimals: 2 }),
  memory: microsToDollars(p.memoryGibHourMicros, { minDecimals: 2 }),
  gpu: p.gpu.map((g) => ({ key: nextKey++, gpuType: g.gpuType, price: microsToDollars(g.hourMicros, { minDecimals: 2 }) })),
});

type Errors = Record<string, string | undefined>;

/** Checks the draft; returns the prices to send or the message for each bad cell (`cpu`, `memory`, `gpu.<key>.type|price`). */
function validate(d: Draft): { prices: Omit<Prices, 'gpu'> & { gpu: Prices['gpu'] } } | { errors: Errors } {
  const errors: Errors = {};
  const cpu = parseDollars(d.cpu);
  const memory = parseDollars(d.memory);
  if ('error' in cpu) errors.cpu = cpu.error;
  if ('error' in memory) errors.memory = memory.error;
  const seen = new Set<string>();
  const gpu: Prices['gpu'] = [];
  for (const row of d.gpu) {
    const type = row.gpuType.trim();
    const price = parseDollars(row.price);
    if (!type) errors[`gpu.${row.key}.type`] = 'Enter the GPU type';
    else if (gpuTypeProblem(type)) errors[`gpu.${row.key}.type`] = gpuTypeProblem(type)!;
    else if (seen.has(type)) errors[`gpu.${row.key}.type`] = 'Listed twice';
    seen.add(type);
    if ('error' in price) errors[`gpu.${row.key}.price`] = price.error;
    else gpu.push({ gpuType: type, hourMicros: microsToText(price.micros) });
  }
  if (Object.keys(errors).length) return { errors };
  return { prices: { cpuCoreHourMicros: microsToText((cpu as { micros: number }).micros), memoryGibHourMicros: microsToText((memory as { micros: number }).micros), gpu } };
}

function DollarInput({ id, value, onChange, error, label }: { id: string; value: string; onChange: (v: string) => void; error?: string; label: string }) {
  return (
    <div>
      <div className="relative">
        <span className="pointer-events-none absolute inset-y-0 left-3 flex items-center text-sm text-zinc-400">$</span>
        <Input
          id={id}
          aria-label={label}
          inputMode="decimal"
          value={value}
          invalid={!!error}
          aria-describedby={error ? `${id}-error` : undefined}
          onChange={(e) => onChange(e.target.value)}
          className="pl-6 text-right tabular-nums"
        />
      </div>
      {error && (
        <p id={`${id}-error`} role="alert" className="mt-1 text-[13px] text-red-600">
          {error}
        </p>
      )}
    </div>
  );
}

/**
 * A cluster's price catalog: per CPU core-hour, per GiB-hour of memory and per
 * GPU-hour of each GPU type. Shown and typed in dollars, stored as exact
 * micro-dollars. Admins edit it; everyone else reads it.
 */
export function PriceCatalog({ clusterId, prices, canEdit, gpuTypes }: { clusterId: string; prices: Prices; canEdit: boolean; gpuTypes: string[] }) {
  const toast = useToast();
  const [draft, setDraft] = useState<Draft>(() => toDraft(prices));
  const [base, setBase] = useState(prices);
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const update = useGqlMutation(UpdatePrices);

  // The saved catalog changed (saved here or elsewhere): start over from it.
  if (JSON.stringify(base) !== JSON.stringify(prices)) {
    setBase(prices);
    setDraft(toDraft(prices));
    setErrors({});
  }

  const parsed = validate(draft);
  const dirty = 'prices' in parsed ? JSON.stringify(parsed.prices) !== JSON.stringify(prices) : true;
  const unpriced = gpuTypes.filter((t) => !draft.gpu.some((g) => g.gpuType.trim() === t));

  function edit(fn: (d: Draft) => Draft, clear: string[]) {
    setDraft(fn);
    setFormError(null);
    setErrors((e) => Object.fromEntries(Object.entries(e).filter(([k]) => !clear.includes(k))));
  }
  const addRow = (gpuType = '') => edit((d) => ({ ...d, gpu: [...d.gpu, { key: nextKey++, gpuType, price: '' }] }), []);

  function save(e: React.FormEvent) {
    e.preventDefault();
    const r = validate(draft);
    if ('errors' in r) {
      setErrors(r.errors);
      return;
    }
    update.mutate(
      { input: { clusterId, ...r.prices } },
      {
        onSuccess: () => toast.success('Prices saved', 'Jobs that end from now on are charged at these prices.'),
        onError: (err) => {
          // Server paths: cpuCoreHourMicros, memoryGibHourMicros, gpu.<index>.gpuType|hourMicros, gpu.
          const mapped: Errors = {};
          if (isGraphQLRequestError(err)) {
            for (const f of err.fields) {
              const p = f.path.replace(/^input\./, '');
              const m = /^gpu\.(\d+)\.(gpuType|hourMicros)$/.exec(p);
              const row = m ? draft.gpu[Number(m[1])] : undefined;
              if (p === 'cpuCoreHourMicros') mapped.cpu ??= f.message;
              else if (p === 'memoryGibHourMicros') mapped.memory ??= f.message;
              else if (row) mapped[`gpu.${row.key}.${m![2] === 'gpuType' ? 'type' : 'price'}`] ??= f.message;
            }
          }
          setErrors(mapped);
          setFormError(Object.keys(mapped).length ? null : err.message);
        },
      },
    );
  }

  if (!canEdit) {
    return (
      <Card>
        <CardHeader title="Prices" description="What jobs on this cluster are charged per hour, by requested resources. Admins set them." />
        <Table minWidth="min-w-0">
          <THead>
            <TH>Resource</TH>
            <TH className="text-right">Per hour</TH>
          </THead>
          <TBody>
            <tr>
              <TD className="py-2">CPU core</TD>
              <TD className="py-2 text-right tabular-nums">{formatPriceMicros(prices.cpuCoreHourMicros)}</TD>
            </tr>
            <tr>
              <TD className="py-2">Memory GiB</TD>
              <TD className="py-2 text-right tabular-nums">{formatPriceMicros(prices.memoryGibHourMicros)}</TD>
            </tr>
            {prices.gpu.map((g) => (
              <tr key={g.gpuType}>
                <TD className="py-2">
                  GPU <span className="font-mono text-[12.5px]">{g.gpuType}</span>
                </TD>
                <TD className="py-2 text-right tabular-nums">{formatPriceMicros(g.hourMicros)}</TD>
              </tr>
            ))}
          </TBody>
        </Table>
      </Card>
    );
  }

  return (
    <Card id="prices">
      <CardHeader
        title="Prices"
        description="Per hour of requested resources. A GPU type without a price is charged at the highest GPU price here."
      />
      <form onSubmit={save} noValidate data-testid="price-editor">
        <div className="space-y-4 px-5 py-4">
          <div className="grid gap-4 sm:grid-cols-2">
            <div>
              <label htmlFor="price-cpu" className="mb-1.5 block text-sm font-medium text-zinc-800">
                CPU core-hour
              </label>
              <DollarInput id="price-cpu" label="CPU core-hour" value={draft.cpu} error={errors.cpu} onChange={(v) => edit((d) => ({ ...d, cpu: v }), ['cpu'])} />
            </div>
            <div>
              <label htmlFor="price-memory" className="mb-1.5 block text-sm font-medium text-zinc-800">
                Memory GiB-hour
              </label>
              <DollarInput id="price-memory" label="Memory GiB-hour" value={draft.memory} error={errors.memory} onChange={(v) => edit((d) => ({ ...d, memory: v }), ['memory'])} />
            </div>
          </div>
          <div>
            <p className="mb-1.5 text-sm font-medium text-zinc-800">GPU-hour by GPU type</p>
            {draft.gpu.length === 0 ? (
              <p className="rounded-lg border border-dashed border-zinc-200 px-4 py-3 text-[13px] text-zinc-500">No GPU prices. Add one per GPU type the cluster has.</p>
            ) : (
              <ul className="space-y-2" data-testid="gpu-price-rows">
                {draft.gpu.map((row, i) => (
                  <li key={row.key} className="grid grid-cols-[minmax(0,1fr)_10rem_auto] items-start gap-2" data-testid="gpu-price-row">
                    <div>
                      <Input
                        aria-label={`GPU type ${i + 1}`}
                        placeholder="nvidia-a100"
                        value={row.gpuType}
                        invalid={!!errors[`gpu.${row.key}.type`]}
                        onChange={(e) =>
                          edit((d) => ({ ...d, gpu: d.gpu.map((g) => (g.key === row.key ? { ...g, gpuType: e.target.value } : g)) }), [`gpu.${row.key}.type`])
                        }
                        className="font-mono text-[13px]"
                      />
                      {errors[`gpu.${row.key}.type`] && (
                        <p role="alert" className="mt-1 text-[13px] text-red-600">
                          {errors[`gpu.${row.key}.type`]}
                        </p>
                      )}
                    </div>
                    <DollarInput
                      id={`price-gpu-${row.key}`}
                      label={`GPU-hour price ${i + 1}`}
                      value={row.price}
                      error={errors[`gpu.${row.key}.price`]}
                      onChange={(v) => edit((d) => ({ ...d, gpu: d.gpu.map((g) => (g.key === row.key ? { ...g, price: v } : g)) }), [`gpu.${row.key}.price`])}
                    />
                    <Button
                      variant="ghost"
                      size="md"
                      className="px-2"
                      aria-label={`Remove GPU price ${row.gpuType || i + 1}`}
                      onClick={() => edit((d) => ({ ...d, gpu: d.gpu.filter((g) => g.key !== row.key) }), [`gpu.${row.key}.type`, `gpu.${row.key}.price`])}
                    >
                      <XIcon className="size-4" />
                    </Button>
                  </li>
                ))}
              </ul>
            )}
            <Button variant="secondary" size="sm" className="mt-2" onClick={() => addRow()}>
              <PlusIcon className="size-3.5" /> Add GPU type
            </Button>
            {unpriced.length > 0 && (
              <div className="mt-3 rounded-lg bg-amber-50/60 px-3 py-2 ring-1 ring-amber-200/70" data-testid="unpriced-gpus">
                <p className="text-[13px] text-amber-900">The cluster has GPU types without a price:</p>
                <div className="mt-1.5 flex flex-wrap gap-1.5">
                  {unpriced.map((t) => (
                    <button
                      key={t}
                      type="button"
                      onClick={() => addRow(t)}
                      className="rounded-md border border-dashed border-amber-300 bg-white px-2 py-0.5 font-mono text-[12px] text-amber-800 hover:bg-amber-50"
                      title={`Add a price for ${t}`}
                    >
                      + {t}
                    </button>
                  ))}
                </div>
              </div>
            )}
          </div>
          {formError && <Banner tone="error">{formError}</Banner>}
        </div>
        <CardFooter className={cx(dirty ? 'justify-between' : undefined)}>
          {dirty && <span className="text-[13px] text-zinc-500">Unsaved changes</span>}
          <div className="flex gap-2">
            {dirty && (
              <Button
                variant="ghost"
                onClick={() => {
                  setDraft(toDraft(prices));
                  setErrors({});
                  setFormError(null);
                }}
              >
                Reset
              </Button>
            )}
            <Button type="submit" disabled={!dirty} loading={update.isPending}>
              Save prices
            </Button>
          </div>
        </CardFooter>
      </form>
    </Card>
  );
}
