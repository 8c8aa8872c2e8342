'use client';

import { createContext, useCallback, useContext, useMemo, useRef, useState } from 'react';
import { CheckCircleIcon, XCircleIcon, XIcon } from './icons';
import { cx } from './ui';

type ToastTone = 'success' | 'error';
interface Toast {
  id: number;
  tone: ToastTone;
  title: string;
  body?: string;
}

interface ToastApi {
  success(title: string, body?: string): void;
  error(title: string, body?: string): void;
}

const ToastContext = createContext<ToastApi | null>(null);

export function ToastProvider({ children }: { children: React.ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);

  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((t) => t.id !== id)), []);
  const push = useCallback(
    (tone: ToastTone, title: string, body?: string) => {
      const id = next.current++;
      setToasts((all) => [...all.slice(-3), { id, tone, title, body }]);
      // Errors stay a little longer: they are the ones people need to read.
      setTimeout(() => dismiss(id), tone === 'error' ? 7000 : 4000);
    },
    [dismiss],
  );
  const api = useMemo<ToastApi>(() => ({ success: (t, b) => push('success', t, b), error: (t, b) => push('error', t, b) }), [push]);

  return (
    <ToastContext.Provider value={api}>
      {children}
      <div aria-live="polite" className="pointer-events-none fixed inset-x-0 bottom-0 z-50 flex flex-col items-center gap-2 p-4 sm:items-end">
        {toasts.map((t) => (
          <div
            key={t.id}
            role={t.tone === 'error' ? 'alert' : 'status'}
            data-testid="toast"
            className="pointer-events-auto flex w-full max-w-sm animate-slide-up items-start gap-3 rounded-lg border border-zinc-200 bg-white px-4 py-3 shadow-lg"
          >
            {t.tone === 'success' ? (
              <CheckCircleIcon className="mt-0.5 size-[18px] shrink-0 text-emerald-600" />
            ) : (
              <XCircleIcon className="mt-0.5 size-[18px] shrink-0 text-red-600" />
            )}
            <div className="min-w-0 flex-1">
              <p className={cx('text-sm font-medium', t.tone === 'error' ? 'text-red-900' : 'text-zinc-900')}>{t.title}</p>
              {t.body && <p className="mt-0.5 text-sm text-zinc-500">{t.body}</p>}
            </div>
            <button type="button" onClick={() => dismiss(t.id)} className="rounded p-0.5 text-zinc-400 hover:text-zinc-600" aria-label="Dismiss">
              <XIcon className="size-4" />
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

export function useToast(): ToastApi {
  const api = useContext(ToastContext);
  if (!api) throw new Error('useToast() needs <ToastProvider>');
  return api;
}
