/**
 * Registered model names and aliases. Both travel inside model URIs
 * (`models:/<name>/<version>`, `models:/<name>@<alias>`), so a name may not hold
 * "/", "@" or ":" (MLflow's server refuses them too), and an alias looks like an
 * identifier, never like a version number: `models:/m@3` and `models:/m/3` would
 * be confusable, and `latest` is taken by `models:/m/latest`.
 */

export const MODEL_NAME_MAX_LENGTH = 256;
export const ALIAS_MAX_LENGTH = 255;

/** Why `name` (already trimmed) cannot name a registered model; undefined when it can. */
export function modelNameProblem(name: string): string | undefined {
  if (!name) return 'Registered model name is required';
  if (name.length > MODEL_NAME_MAX_LENGTH) return `Registered model name must be at most ${MODEL_NAME_MAX_LENGTH} characters`;
  if (/[/@:\u0000-\u001f\u007f]/.test(name)) return 'Registered model name must not contain "/", "@", ":" or control characters';
  return undefined;
}

/** Why `alias` cannot be a model alias; undefined when it can. */
export function aliasProblem(alias: string): string | undefined {
  if (!alias) return 'Alias is required';
  if (alias.length > ALIAS_MAX_LENGTH) return `Alias must be at most ${ALIAS_MAX_LENGTH} characters`;
  if (!/^[A-Za-z0-9_-]+$/.test(alias)) return 'Alias may only contain letters, digits, "_" and "-"';
  if (/^v?\d+$/i.test(alias)) return 'Alias must not look like a version number (e.g. "3" or "v3")';
  if (alias.toLowerCase() === 'latest') return '"latest" is reserved';
  return undefined;
}
