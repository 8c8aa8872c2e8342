'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { graphql } from '@/app/gql';
import { useGqlMutation } from '@/app/lib/gql-hooks';
import { useFormErrors, validateName } from '@/app/lib/forms';
import { BuildingIcon } from './icons';
import { useToast } from './toast';
import { Banner, Button, Field, Input } from './ui';

const CreateOrganization = graphql(`
  mutation CreateOrganization($input: CreateOrganizationInput!) {
    createOrganization(input: $input) {
      id
      name
      slug
    }
  }
`);

/** Creates an organization (the caller becomes its owner) and opens it. */
export function CreateOrgForm({ submitLabel = 'Create organization' }: { submitLabel?: string }) {
  const router = useRouter();
  const toast = useToast();
  const errors = useFormErrors();
  const [name, setName] = useState('');
  const create = useGqlMutation(CreateOrganization, { orgId: null });
  const [leaving, setLeaving] = useState(false);

  function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!errors.check({ name: validateName(name, 'Organization name', 80) })) return;
    create.mutate(
      { input: { name: name.trim() } },
      {
        onSuccess: (d) => {
          setLeaving(true);
          toast.success('Organization created', `You are the owner of ${d.createOrganization.name}.`);
          router.push(`/o/${d.createOrganization.slug}`);
        },
        onError: (err) => errors.fromError(err, ['name']),
      },
    );
  }

  return (
    <form onSubmit={submit} noValidate className="space-y-4">
      <Field label="Organization name" htmlFor="org-name" hint="Usually your company or group. You can invite people next." error={errors.fields.name}>
        <Input
          id="org-name"
          placeholder="e.g. Acme Research"
          maxLength={80}
          value={name}
          invalid={!!errors.fields.name}
          onChange={(e) => {
            setName(e.target.value);
            errors.clearField('name');
          }}
        />
      </Field>
      {errors.form && <Banner tone="error">{errors.form}</Banner>}
      <Button type="submit" loading={create.isPending || leaving}>
        <BuildingIcon className="size-4" /> {submitLabel}
      </Button>
    </form>
  );
}
