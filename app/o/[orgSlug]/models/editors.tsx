'use client';

import { useState } from 'react';
import { PencilIcon, PlusIcon, XIcon } from '@/app/components/icons';
import { Banner, Button, Input, Textarea } from '@/app/components/ui';
import { useFormErrors } from '@/app/lib/forms';
import { isGraphQLRequestError } from '@/app/lib/graphql-client';

const DESCRIPTION_MAX = 5000;

const ERROR_TITLES: Record<string, string> = {
  FORBIDDEN: 'Not allowed',
  NOT_FOUND: 'Not found',
  BAD_USER_INPUT: 'Check your input',
  CONFLICT: 'Conflict',
};

/** A failed action with the server's own message, titled by its code (FORBIDDEN reads "Not allowed"). */
export function ApiErrorBanner({ error, testId, className }: { error: unknown; testId?: string; className?: string }) {
  const code = isGraphQLRequestError(error) ? error.code : null;
  const message = error instanceof Error ? error.message : 'Something went wrong';
  return (
    <div data-testid={testId} data-code={code ?? undefined} className={className}>
      <Banner tone="error" title={(code && ERROR_TITLES[code]) ?? 'Something went wrong'}>
        {message}
      </Banner>
    </div>
  );
}

/** A description shown as text, edited in place by those who may. */
export function DescriptionEditor({
  value,
  canEdit,
  save,
  label,
  testId,
}: {
  value: string;
  canEdit: boolean;
  save: (description: string) => Promise<unknown>;
  label: string;
  testId: string;
}) {
  const errors = useFormErrors();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(value);
  const [saving, setSaving] = useState(false);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!errors.check({ description: draft.length > DESCRIPTION_MAX ? `Description must be at most ${DESCRIPTION_MAX} characters` : undefined })) return;
    setSaving(true);
    try {
      await save(draft.trim());
      setEditing(false);
    } catch (err) {
      errors.fromError(err, ['description']);
    } finally {
      setSaving(false);
    }
  }

  if (!editing) {
    return (
      <div className="flex items-start gap-3">
        <p data-testid={testId} className={value ? 'min-w-0 flex-1 whitespace-pre-wrap text-sm text-zinc-700' : 'min-w-0 flex-1 text-sm text-zinc-400'}>
          {value || 'No description yet.'}
        </p>
        {canEdit && (
          <Button
            variant="ghost"
            size="sm"
            aria-label={`Edit ${label}`}
            onClick={() => {
              setDraft(value);
              errors.clear();
              setEditing(true);
            }}
          >
            <PencilIcon className="size-3.5" /> Edit
          </Button>
        )}
      </div>
    );
  }

  return (
    <form onSubmit={submit} noValidate className="space-y-2">
      <label htmlFor={`${testId}-input`} className="sr-only">
        {label}
      </label>
      <Textarea
        id={`${testId}-input`}
        rows={4}
        value={draft}
        invalid={!!errors.fields.description}
        maxLength={DESCRIPTION_MAX}
        onChange={(e) => {
          setDraft(e.target.value);
          errors.clearField('description');
        }}
        autoFocus
      />
      {(errors.fields.description ?? errors.form) && <Banner tone="error">{errors.fields.description ?? errors.form}</Banner>}
      <div className="flex justify-end gap-2">
        <Button variant="secondary" size="sm" onClick={() => setEditing(false)}>
          Cancel
        </Button>
        <Button type="submit" size="sm" loading={saving}>
          Save description
        </Button>
      </div>
    </form>
  );
}

/** Key/value tags as chips; those who may add and remove them here. */
export function TagsEditor({
  tags,
  canEdit,
  save,
  testId,
}: {
  tags: { key: string; value: string }[];
  canEdit: boolean;
  save: (change: { setTags: { key: string; value: string }[]; deleteTagKeys: string[] }) => Promise<unknown>;
  testId: string;
}) {
  const errors = useFormErrors();
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState<string | null>(null);

  async function run(what: string, change: { setTags: { key: string; value: string }[]; deleteTagKeys: string[] }) {
    setBusy(what);
    try {
      await save(change);
      return true;
    } catch (err) {
      errors.fromError(err, ['key', 'value']);
      return false;
    } finally {
      setBusy(null);
    }
  }

  async function add(e: React.FormEvent) {
    e.preventDefault();
    if (!errors.check({ key: key.trim() ? undefined : 'Key is required' })) return;
    if (await run('add', { setTags: [{ key: key.trim(), value }], deleteTagKeys: [] })) {
      setKey('');
      setValue('');
    }
  }

  return (
    <div className="space-y-3">
      {tags.length === 0 ? (
        <p className="text-sm text-zinc-400">No tags.</p>
      ) : (
        <ul className="flex flex-wrap gap-1.5" data-testid={testId}>
          {tags.map((t) => (
            <li key={t.key} className="inline-flex items-center gap-1 rounded-md bg-zinc-100 py-0.5 pr-1 pl-2 font-mono text-[12px] text-zinc-700 ring-1 ring-inset ring-zinc-500/15">
              <span className="text-zinc-500">{t.key}</span>
              {t.value !== '' && (
                <>
                  <span className="text-zinc-400">=</span>
                  <span className="max-w-[16rem] truncate" title={t.value}>
                    {t.value}
                  </span>
                </>
              )}
              {canEdit && (
                <button
                  type="button"
                  aria-label={`Remove tag ${t.key}`}
                  disabled={busy !== null}
                  onClick={() => void run(t.key, { setTags: [], deleteTagKeys: [t.key] })}
                  className="ml-0.5 rounded p-0.5 text-zinc-400 hover:bg-zinc-200 hover:text-zinc-700 disabled:opacity-50"
                >
                  <XIcon className="size-3" />
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {canEdit && (
        <form onSubmit={add} noValidate className="flex flex-wrap items-start gap-2">
          <div className="min-w-0 flex-[1_1_8rem]">
            <Input
              aria-label="Tag key"
              placeholder="Key"
              value={key}
              maxLength={250}
              invalid={!!errors.fields.key}
              onChange={(e) => {
                setKey(e.target.value);
                errors.clearField('key');
              }}
              className="font-mono text-[13px]"
            />
          </div>
          <div className="min-w-0 flex-[2_1_12rem]">
            <Input aria-label="Tag value" placeholder="Value" value={value} maxLength={5000} onChange={(e) => setValue(e.target.value)} className="font-mono text-[13px]" />
          </div>
          <Button type="submit" variant="secondary" loading={busy === 'add'}>
            <PlusIcon className="size-3.5" /> Add tag
          </Button>
        </form>
      )}
      {(errors.fields.key ?? errors.fields.value ?? errors.form) && <Banner tone="error">{errors.fields.key ?? errors.fields.value ?? errors.form}</Banner>}
    </div>
  );
}
