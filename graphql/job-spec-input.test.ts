import { isInputObjectType, isListType, isNonNullType, isScalarType, type GraphQLInputObjectType, type GraphQLInputType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { jobSpecSchema } from '../rules/job-spec';
import { schema } from './schema';
import { toSpec } from './types/training-job';

/**
 * A field's shape, compared between the job spec and its GraphQL inputs: a scalar
 * type, a list of one, an object of fields, or a map of names (GraphQL's `[KeyValueInput!]`).
 */
type Shape = string | { list: Shape } | { fields: Fields } | 'map';
type Fields = Record<string, { shape: Shape; required: boolean }>;

interface JsonSchema {
  type?: string;
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  default?: unknown;
}

const fromJson = (s: JsonSchema): Shape => {
  const values = s.anyOf?.filter((x) => x.type !== 'null');
  if (values?.length === 1) return fromJson(values[0]!);
  if (s.type === 'string') return 'String';
  if (s.type === 'integer') return 'Int';
  if (s.type === 'number') return 'Float';
  if (s.type === 'array') return { list: fromJson(s.items ?? {}) };
  if (s.type === 'object') return s.properties ? { fields: jsonFields(s) } : 'map';
  throw new Error(`no GraphQL counterpart for ${JSON.stringify(s)}`);
};
const jsonFields = (s: JsonSchema): Fields =>
  Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, { shape: fromJson(v), required: (s.required ?? []).includes(k) && v.default === undefined }]));

const fromGraphQL = (type: GraphQLInputType): Shape => {
  const t = isNonNullType(type) ? type.ofType : type;
  if (isListType(t)) {
    const item = isNonNullType(t.ofType) ? t.ofType.ofType : t.ofType;
    return item.toString() === 'KeyValueInput' ? 'map' : { list: fromGraphQL(item) };
  }
  if (isScalarType(t)) return t.name;
  if (isInputObjectType(t)) return { fields: graphQLFields(t) };
  throw new Error(`unexpected input type ${String(t)}`);
};
const graphQLFields = (t: GraphQLInputObjectType): Fields =>
  Object.fromEntries(Object.values(t.getFields()).map((f) => [f.name, { shape: fromGraphQL(f.type), required: isNonNullType(f.type) }]));

const inputType = (name: string) => {
  const t = schema.getType(name);
  if (!isInputObjectType(t)) throw new Error(`${name} is not an input type`);
  return t;
};

/** The spec's fields as GraphQL carries them: `resources.gpu` is flattened to gpuCount and gpuType, which `toSpec` undoes. */
function specAsGraphQL(): Fields {
  const fields = jsonFields(z.toJSONSchema(jobSpecSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema);
  const resources = fields.resources!.shape as { fields: Fields };
  const { gpu, ...rest } = resources.fields;
  const { count, type } = (gpu!.shape as { fields: Fields }).fields;
  fields.resources = { ...fields.resources!, shape: { fields: { ...rest, gpuCount: count!, gpuType: type! } } };
  return fields;
}

describe('the job spec over GraphQL', () => {
  it('SubmitTrainingJobInput has exactly the fields of rules/job-spec.ts, with the same types and the same required ones', () => {
    expect(graphQLFields(inputType('SubmitTrainingJobInput'))).toEqual(specAsGraphQL());
  });

  it('JobTemplateInput is the same spec without model registration, its project optional', () => {
    const { registerModel: _registerModel, ...template } = specAsGraphQL();
    expect(graphQLFields(inputType('JobTemplateInput'))).toEqual({ ...template, project: { ...template.project!, required: false } });
  });

  it('toSpec turns a full GraphQL input into the spec it stands for', () => {
    const spec = toSpec({
      name: 'nightly',
      project: 'churn',
      cluster: 'gpu',
      image: 'python:3.12',
      command: ['python', 'train.py'],
      args: ['--epochs', '3'],
      env: [{ key: 'LOG_LEVEL', value: 'debug' }],
      python: { requirements: ['numpy==2.1.3'] },
      resources: { cpu: 2, memoryMiB: 4096, gpuCount: 1, gpuType: 'nvidia-a100' },
      maxRuntimeSeconds: 600,
      retries: 1,
      hyperparameters: [{ key: 'lr', value: '0.1' }],
      inputs: [{ name: 'churn-2024', source: 's3://data/churn.parquet', digest: null }],
      experiment: 'churn-nightly',
    });
    expect(jobSpecSchema.parse(spec)).toMatchObject({
      env: { LOG_LEVEL: 'debug' },
      python: { requirements: ['numpy==2.1.3'] },
      resources: { cpu: 2, memoryMiB: 4096, gpu: { count: 1, type: 'nvidia-a100' } },
      hyperparameters: { lr: '0.1' },
      inputs: [{ name: 'churn-2024', source: 's3://data/churn.parquet', digest: '' }],
    });
    // Nulls are absent fields, so the spec's defaults apply.
    expect(jobSpecSchema.parse(toSpec({ project: 'churn', command: ['true'], cluster: null, resources: null }))).toMatchObject({ cluster: 'local', resources: { cpu: 1, memoryMiB: 1024 } });
  });
});
