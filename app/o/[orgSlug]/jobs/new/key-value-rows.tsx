'use client';

import { PlusIcon, XIcon } from '@/app/components/icons';
import { Button, Input } from '@/app/components/ui';

export interface Row {
  key: number;
  name: string;
  value: string;
}

let nextRow = 1;
export const emptyRow = (): Row => ({ key: nextRow++, name: '', value: '' });

/** An optional list of name/value rows with its title, an error per row and one for the whole list (`errors[id]`). */
export function KeyValueRows({
  id,
  title,
  rows,
  onChange,
  errors,
  keyLabel,
  keyPlaceholder,
  valuePlaceholder,
  addLabel,
}: {
  id: string;
  title: string;
  rows: Row[];
  onChange: (rows: Row[]) => void;
  errors: Record<string, string | undefined>;
  keyLabel: string;
  keyPlaceholder: string;
  valuePlaceholder: string;
  addLabel: string;
}) {
  return (
    <div>
      <p className="mb-1.5 flex items-baseline justify-between text-sm font-medium text-zinc-800">
        {title} <span className="text-xs font-normal text-zinc-400">Optional</span>
      </p>
      <div className="space-y-2" data-testid={`${id}-rows`}>
        {rows.map((r, i) => {
          const error = errors[`${id}.${r.key}`];
          return (
            <div key={r.key}>
              <div className="grid grid-cols-[minmax(0,2fr)_minmax(0,3fr)_auto] gap-2">
                <Input
                  aria-label={`${keyLabel} ${i + 1}`}
                  placeholder={keyPlaceholder}
                  value={r.name}
                  invalid={!!error}
                  onChange={(e) => onChange(rows.map((x) => (x.key === r.key ? { ...x, name: e.target.value } : x)))}
                  className="font-mono text-[13px]"
                  autoComplete="off"
                  spellCheck={false}
                />
                <Input
                  aria-label={`${keyLabel} ${i + 1} value`}
                  placeholder={valuePlaceholder}
                  value={r.value}
                  onChange={(e) => onChange(rows.map((x) => (x.key === r.key ? { ...x, value: e.target.value } : x)))}
                  className="font-mono text-[13px]"
                  autoComplete="off"
                  spellCheck={false}
                />
                <Button variant="ghost" className="px-2" aria-label={`Remove ${keyLabel.toLowerCase()} ${r.name || i + 1}`} onClick={() => onChange(rows.filter((x) => x.key !== r.key))}>
                  <XIcon className="size-4" />
                </Button>
              </div>
              {error && (
                <p role="alert" className="mt-1 text-[13px] text-red-600">
                  {error}
                </p>
              )}
            </div>
          );
        })}
        <Button variant="secondary" size="sm" onClick={() => onChange([...rows, emptyRow()])}>
          <PlusIcon className="size-3.5" /> {addLabel}
        </Button>
      </div>
      {errors[id] && (
        <p role="alert" className="mt-1 text-[13px] text-red-600">
          {errors[id]}
        </p>
      )}
    </div>
  );
}
