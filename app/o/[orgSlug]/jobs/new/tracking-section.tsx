'use client';

import { Field, Input } from '@/app/components/ui';
import { Section } from './form-section';
import type { FormErrors, JobFormValues } from './job-form';
import { KeyValueRows, type Row } from './key-value-rows';

/** Where the job's run is tracked, the model it registers, and its hyperparameters. */
export function TrackingSection({
  f,
  set,
  errors,
  projectSlug,
  params,
  onParamsChange,
}: {
  f: JobFormValues;
  set: (key: keyof JobFormValues, value: string) => void;
  errors: FormErrors;
  /** The chosen project's slug, which names the default experiment. */
  projectSlug: string | undefined;
  params: Row[];
  onParamsChange: (rows: Row[]) => void;
}) {
  return (
    <Section title="Tracking" description="The job logs into a run in this experiment. Hyperparameters reach the code as GANTRY_PARAM_<NAME> and are logged as run params.">
      <div className="grid gap-4 sm:grid-cols-2">
        <Field
          label="Experiment"
          htmlFor="job-experiment"
          optional
          hint={`Created when missing. Default: ${projectSlug ?? '<project>'}-jobs`}
          error={errors.experiment}
        >
          <Input id="job-experiment" value={f.experiment} invalid={!!errors.experiment} onChange={(e) => set('experiment', e.target.value)} autoComplete="off" />
        </Field>
        <Field label="Register model as" htmlFor="job-register-model" optional hint="A new version from the run’s “model” artifact when the job succeeds" error={errors.registerModel}>
          <Input id="job-register-model" placeholder="e.g. churn-classifier" value={f.registerModel} invalid={!!errors.registerModel} onChange={(e) => set('registerModel', e.target.value)} autoComplete="off" />
        </Field>
      </div>
      <KeyValueRows
        id="params"
        title="Hyperparameters"
        rows={params}
        onChange={onParamsChange}
        errors={errors}
        keyLabel="Hyperparameter"
        keyPlaceholder="learning_rate"
        valuePlaceholder="0.05"
        addLabel="Add hyperparameter"
      />
    </Section>
  );
}
