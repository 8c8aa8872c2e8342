'use client';

import { useState } from 'react';
import { CheckIcon, CopyIcon } from './icons';
import { Button } from './ui';

/** Copies `value`; falls back to selecting a hidden field where the Clipboard API is unavailable (plain http). */
export function CopyButton({ value, label = 'Copy', size = 'sm' }: { value: string; label?: string; size?: 'sm' | 'md' }) {
  const [copied, setCopied] = useState(false);
  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      const ta = document.createElement('textarea');
      ta.value = value;
      ta.setAttribute('readonly', '');
      ta.style.position = 'fixed';
      ta.style.opacity = '0';
      document.body.appendChild(ta);
      ta.select();
      document.execCommand('copy');
      ta.remove();
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 2000);
  }
  return (
    <Button variant="secondary" size={size} onClick={copy} aria-label={`${label} to clipboard`}>
      {copied ? <CheckIcon className="size-3.5 text-emerald-600" /> : <CopyIcon className="size-3.5" />}
      {copied ? 'Copied' : label}
    </Button>
  );
}

/** An object's ID in mono type with a button that copies it, as page headers show it. */
export function IdWithCopy({ id }: { id: string }) {
  return (
    <span className="inline-flex items-center gap-2">
      <code className="font-mono text-[12.5px]">{id}</code>
      <CopyButton value={id} label="Copy ID" />
    </span>
  );
}
