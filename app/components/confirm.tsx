'use client';

import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';
import { AlertIcon } from './icons';
import { Button } from './ui';

interface ConfirmOptions {
  title: string;
  body?: React.ReactNode;
  confirmLabel?: string;
  /** The dismiss button, when "Cancel" would be ambiguous (e.g. cancelling a job). */
  cancelLabel?: string;
  /** Destructive actions get a red button. */
  danger?: boolean;
}

type Pending = ConfirmOptions & { resolve: (ok: boolean) => void };

const ConfirmContext = createContext<((o: ConfirmOptions) => Promise<boolean>) | null>(null);

/** One modal confirmation dialog for the app: `await confirm({...})` resolves true or false. */
export function ConfirmProvider({ children }: { children: React.ReactNode }) {
  const [pending, setPending] = useState<Pending | null>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);

  const confirm = useCallback((o: ConfirmOptions) => new Promise<boolean>((resolve) => setPending({ ...o, resolve })), []);
  const close = useCallback(
    (ok: boolean) => {
      pending?.resolve(ok);
      setPending(null);
    },
    [pending],
  );

  useEffect(() => {
    if (!pending) return;
    confirmButton.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') close(false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [pending, close]);

  return (
    <ConfirmContext.Provider value={confirm}>
      {children}
      {pending && (
        <div className="fixed inset-0 z-50 flex items-end justify-center p-4 sm:items-center">
          <div className="absolute inset-0 animate-fade-in bg-zinc-950/40 backdrop-blur-[1px]" onClick={() => close(false)} />
          <div
            role="alertdialog"
            aria-modal="true"
            aria-labelledby="confirm-title"
            className="relative w-full max-w-md animate-slide-up rounded-xl bg-white shadow-2xl ring-1 ring-zinc-900/5"
          >
            <div className="flex gap-4 p-5">
              {pending.danger && (
                <div className="flex size-10 shrink-0 items-center justify-center rounded-full bg-red-50">
                  <AlertIcon className="size-5 text-red-600" />
                </div>
              )}
              <div className="min-w-0">
                <h2 id="confirm-title" className="text-base font-semibold text-zinc-900">
                  {pending.title}
                </h2>
                {pending.body && <div className="mt-1.5 text-sm text-zinc-600">{pending.body}</div>}
              </div>
            </div>
            <div className="flex justify-end gap-2 rounded-b-xl border-t border-zinc-100 bg-zinc-50/70 px-5 py-3">
              <Button variant="secondary" onClick={() => close(false)}>
                {pending.cancelLabel ?? 'Cancel'}
              </Button>
              <Button ref={confirmButton} variant={pending.danger ? 'danger' : 'primary'} onClick={() => close(true)}>
                {pending.confirmLabel ?? 'Confirm'}
              </Button>
            </div>
          </div>
        </div>
      )}
    </ConfirmContext.Provider>
  );
}

export function useConfirm() {
  const c = useContext(ConfirmContext);
  if (!c) throw new Error('useConfirm() needs <ConfirmProvider>');
  return c;
}
