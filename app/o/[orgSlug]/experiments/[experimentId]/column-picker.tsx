'use client';

import { useCallback, useEffect, useState } from 'react';
import { ColumnsIcon } from '@/app/components/icons';
import { Menu } from '@/app/components/menu';
import { buttonClass, cx } from '@/app/components/ui';

export interface HiddenColumns {
  params: string[];
  metrics: string[];
}

export interface ColumnPrefs {
  hidden: HiddenColumns;
  setHidden: (h: HiddenColumns) => void;
}

const storageKey = (experimentId: string) => `gantry.runs-columns.${experimentId}`;

/**
 * Which param and metric columns are hidden, per experiment, in localStorage. Hidden
 * (not shown) keys are stored so that keys a run logs later appear by default.
 */
export function useColumnPrefs(experimentId: string): ColumnPrefs {
  const [hidden, setHiddenState] = useState<HiddenColumns>({ params: [], metrics: [] });
  useEffect(() => {
    try {
      const raw = window.localStorage.getItem(storageKey(experimentId));
      if (!raw) return;
      const v = JSON.parse(raw) as Partial<HiddenColumns>;
      setHiddenState({ params: Array.isArray(v.params) ? v.params : [], metrics: Array.isArray(v.metrics) ? v.metrics : [] });
    } catch {
      // A corrupt entry only loses the column choice; the table still works.
    }
  }, [experimentId]);
  const setHidden = useCallback(
    (h: HiddenColumns) => {
      setHiddenState(h);
      try {
        window.localStorage.setItem(storageKey(experimentId), JSON.stringify(h));
      } catch {
        // Storage may be full or disabled (private windows): keep the choice for this visit only.
      }
    },
    [experimentId],
  );
  return { hidden, setHidden };
}

function Group({ title, keys, hidden, onChange }: { title: string; keys: string[]; hidden: string[]; onChange: (hidden: string[]) => void }) {
  return (
    <div className="py-1">
      <div className="flex items-center justify-between px-2.5 pt-1.5 pb-1">
        <p className="text-[11px] font-semibold uppercase tracking-wider text-zinc-400">
          {title} <span className="font-normal normal-case">({keys.length - keys.filter((k) => hidden.includes(k)).length}/{keys.length})</span>
        </p>
        {keys.length > 0 && (
          <span className="flex gap-2 text-xs">
            <button type="button" className="font-medium text-brand-600 hover:text-brand-700" onClick={() => onChange(hidden.filter((h) => !keys.includes(h)))}>
              All
            </button>
            <button type="button" className="font-medium text-zinc-500 hover:text-zinc-800" onClick={() => onChange([...new Set([...hidden, ...keys])])}>
              None
            </button>
          </span>
        )}
      </div>
      {keys.length === 0 ? (
        <p className="px-2.5 py-1 text-[13px] text-zinc-400">None logged yet</p>
      ) : (
        <ul className="max-h-52 overflow-y-auto">
          {keys.map((k) => {
            const shown = !hidden.includes(k);
            return (
              <li key={k}>
                <label className="flex cursor-pointer items-center gap-2 rounded-md px-2.5 py-1 text-sm text-zinc-700 hover:bg-zinc-50">
                  <input
                    type="checkbox"
                    className="size-3.5 rounded accent-zinc-900"
                    checked={shown}
                    onChange={() => onChange(shown ? [...hidden, k] : hidden.filter((h) => h !== k))}
                  />
                  <span className="truncate font-mono text-[12.5px]">{k}</span>
                </label>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

/** The "Columns" menu: which params and metrics the runs table shows. */
export function ColumnPicker({ params, metrics, prefs }: { params: string[]; metrics: string[]; prefs: ColumnPrefs }) {
  const hiddenCount = params.filter((k) => prefs.hidden.params.includes(k)).length + metrics.filter((k) => prefs.hidden.metrics.includes(k)).length;
  return (
    <Menu
      label="Choose columns"
      align="right"
      trigger={(open) => (
        <span className={cx(buttonClass('secondary', 'sm'), open && 'bg-zinc-50')}>
          <ColumnsIcon className="size-3.5" /> Columns
          {hiddenCount > 0 && <span className="text-zinc-400">· {hiddenCount} hidden</span>}
        </span>
      )}
    >
      {() => (
        <div className="w-72 divide-y divide-zinc-100" data-testid="column-picker">
          <Group title="Metrics" keys={metrics} hidden={prefs.hidden.metrics} onChange={(m) => prefs.setHidden({ ...prefs.hidden, metrics: m })} />
          <Group title="Params" keys={params} hidden={prefs.hidden.params} onChange={(p) => prefs.setHidden({ ...prefs.hidden, params: p })} />
        </div>
      )}
    </Menu>
  );
}
