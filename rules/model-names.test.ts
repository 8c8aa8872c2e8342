import { describe, expect, it } from 'vitest';
import { aliasProblem, modelNameProblem } from './model-names';
import { aliasSchema, modelNameSchema } from './model-names.schema';

describe('aliases', () => {
  it.each([
    ['champion', undefined],
    ['prod-eu_2', undefined],
    ['', 'Alias is required'],
    ['has space', 'Alias may only contain letters, digits, "_" and "-"'],
    ['3', 'Alias must not look like a version number (e.g. "3" or "v3")'],
    ['V12', 'Alias must not look like a version number (e.g. "3" or "v3")'],
    ['Latest', '"latest" is reserved'],
    ['a'.repeat(256), 'Alias must be at most 255 characters'],
  ])('%j → %s', (alias, message) => {
    expect(aliasProblem(alias)).toBe(message);
    // The server's schema says the same as the form.
    const parsed = aliasSchema.safeParse(alias);
    expect(parsed.success ? undefined : parsed.error.issues[0]?.message).toBe(message);
  });
});

describe('model names', () => {
  it.each([
    ['churn-classifier', undefined],
    ['', 'Registered model name is required'],
    ['a/b', 'Registered model name must not contain "/", "@", ":" or control characters'],
    ['a@b', 'Registered model name must not contain "/", "@", ":" or control characters'],
    ['a:b', 'Registered model name must not contain "/", "@", ":" or control characters'],
    ['tab\there', 'Registered model name must not contain "/", "@", ":" or control characters'],
    ['m'.repeat(257), 'Registered model name must be at most 256 characters'],
  ])('%j → %s', (name, message) => {
    expect(modelNameProblem(name)).toBe(message);
    const parsed = modelNameSchema.safeParse(name);
    expect(parsed.success ? undefined : parsed.error.issues[0]?.message).toBe(message);
  });

  it('are trimmed by the schema before the rule applies', () => {
    expect(modelNameSchema.parse('  churn  ')).toBe('churn');
    expect(modelNameSchema.safeParse('   ').error?.issues[0]?.message).toBe('Registered model name is required');
    expect(modelNameSchema.safeParse(42).error?.issues[0]?.message).toBe('Registered model name is required');
  });
});
