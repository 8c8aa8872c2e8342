'use client';

import { useState } from 'react';
import { isGraphQLRequestError } from './graphql-client';

export type FieldErrors = Record<string, string | undefined>;

/**
 * Form error state: per-field messages (from client checks or the server's
 * `extensions.fields`) plus one form-level message for everything else.
 */
export function useFormErrors() {
  const [fields, setFields] = useState<FieldErrors>({});
  const [form, setForm] = useState<string | null>(null);

  return {
    fields,
    form,
    clear() {
      setFields({});
      setForm(null);
    },
    clearField(name: string) {
      setFields((f) => (f[name] ? { ...f, [name]: undefined } : f));
    },
    /** Client-side checks; returns true when the form may be sent. */
    check(errors: FieldErrors): boolean {
      const present = Object.fromEntries(Object.entries(errors).filter(([, v]) => v));
      setFields(present);
      setForm(null);
      return Object.keys(present).length === 0;
    },
    /**
     * Shows a failed request: field issues next to their fields (when the form
     * has such a field), the message as a banner otherwise.
     */
    fromError(e: unknown, known: readonly string[]) {
      if (isGraphQLRequestError(e)) {
        const mapped: FieldErrors = {};
        for (const f of e.fields) {
          const name = f.path.split('.').at(-1) ?? f.path;
          if (known.includes(name)) mapped[name] ??= f.message;
        }
        setFields(mapped);
        setForm(Object.keys(mapped).length > 0 ? null : e.message);
        return;
      }
      setFields({});
      setForm(e instanceof Error ? e.message : 'Something went wrong');
    },
  };
}

export const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function validateEmail(email: string): string | undefined {
  if (!email.trim()) return 'Email is required';
  if (!EMAIL_RE.test(email.trim())) return 'Enter a valid email address';
  return undefined;
}

export function validateName(value: string, what: string, max: number): string | undefined {
  if (!value.trim()) return `${what} is required`;
  if (value.trim().length > max) return `${what} must be at most ${max} characters`;
  return undefined;
}
