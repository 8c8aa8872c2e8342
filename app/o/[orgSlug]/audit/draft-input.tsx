'use client';

import { useEffect, useRef, useState } from 'react';
import { Input } from '@/app/components/ui';

/** A typed filter value (target ID, dates) applies once typing pauses this long, or on Enter / leaving the field. */
const TYPING_DELAY_MS = 500;

/**
 * A text or date input that holds what is being typed and hands it on once typing pauses,
 * on Enter or when focus leaves. A new value from outside (the URL) replaces the draft,
 * unless it is the echo of what this input sent, so keys typed meanwhile are kept.
 */
export function DraftInput({
  value,
  onCommit,
  ...props
}: Omit<React.ComponentProps<typeof Input>, 'value' | 'onChange'> & { value: string; onCommit: (value: string) => void }) {
  const [draft, setDraft] = useState(value);
  const [shown, setShown] = useState(value);
  const [sent, setSent] = useState<string | null>(null);
  if (value !== shown) {
    setShown(value);
    if (value === sent) setSent(null);
    else setDraft(value);
  }
  const commitRef = useRef(onCommit);
  useEffect(() => {
    commitRef.current = onCommit;
  });
  const commit = (v: string) => {
    setSent(v);
    commitRef.current(v);
  };
  useEffect(() => {
    if (draft === value) return;
    const t = setTimeout(() => {
      setSent(draft);
      commitRef.current(draft);
    }, TYPING_DELAY_MS);
    return () => clearTimeout(t);
  }, [draft, value]);
  return (
    <Input
      {...props}
      value={draft}
      onChange={(e) => setDraft(e.target.value)}
      onBlur={() => draft !== value && commit(draft)}
      onKeyDown={(e) => {
        if (e.key === 'Enter' && draft !== value) {
          e.preventDefault();
          commit(draft);
        }
      }}
    />
  );
}
