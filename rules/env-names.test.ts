import { describe, expect, it } from 'vitest';
import { ENV_NAME_MAX_LENGTH, envNameProblem, hyperparameterEnvName, hyperparameterNameProblem, userEnvNameProblem } from './env-names';
import { jobSpecSchema } from './job-spec';

describe('environment variable names', () => {
  it.each([
    ['LOG_LEVEL', true],
    ['_private', true],
    ['lower_case9', true],
    ['A'.repeat(ENV_NAME_MAX_LENGTH), true],
    ['1ST', false],
    ['HAS SPACE', false],
    ['', false],
    // Kubernetes' API server takes these two; no shell can read them, and the local backend refused them.
    ['LOG.LEVEL', false],
    ['log-level', false],
    // The local backend took any length; the job spec stops at 128.
    ['A'.repeat(ENV_NAME_MAX_LENGTH + 1), false],
  ])('%j → %s', (name, ok) => {
    expect(envNameProblem(name) === undefined).toBe(ok);
  });

  it('says which rule a name breaks', () => {
    expect(envNameProblem('1ST')).toBe('Environment variable names are letters, digits and "_", not starting with a digit');
    expect(envNameProblem('A'.repeat(200))).toBe('Environment variable names are at most 128 characters');
  });

  it("keeps Gantry's own prefixes, in any case, out of a user's variables", () => {
    expect(userEnvNameProblem('GANTRY_RUN_ID')).toBe('GANTRY_* and MLFLOW_* variables are set by Gantry');
    expect(userEnvNameProblem('mlflow_tracking_uri')).toBe('GANTRY_* and MLFLOW_* variables are set by Gantry');
    expect(envNameProblem('GANTRY_RUN_ID')).toBeUndefined();
    expect(userEnvNameProblem('GANTRYX')).toBeUndefined();
  });

  it('is what the job spec applies to each env key, at the key', () => {
    for (const name of ['1ST', 'LOG.LEVEL', 'GANTRY_X', 'A'.repeat(129)]) {
      const r = jobSpecSchema.safeParse({ project: 'p', command: ['true'], env: { [name]: 'x' } });
      expect(r.success).toBe(false);
      expect(r.error!.issues[0]).toMatchObject({ path: ['env', name], message: `Environment variable '${name.slice(0, 64)}': ${userEnvNameProblem(name)}` });
    }
    expect(jobSpecSchema.safeParse({ project: 'p', command: ['true'], env: { LOG_LEVEL: 'debug' } }).success).toBe(true);
  });
});

describe('hyperparameter names', () => {
  it('take ".", "-" and digits after the first character, up to 64 characters', () => {
    for (const ok of ['lr', 'optimizer.beta-1', '_x', 'p'.repeat(64)]) expect(hyperparameterNameProblem(ok)).toBeUndefined();
    expect(hyperparameterNameProblem('bad key')).toBe('Hyperparameter names are letters, digits, "_", "." and "-", starting with a letter or "_"');
    expect(hyperparameterNameProblem('1lr')).toBeDefined();
    expect(hyperparameterNameProblem('p'.repeat(65))).toBe('Hyperparameter names are at most 64 characters');
  });

  it('reach the job as variables that are valid names', () => {
    expect(hyperparameterEnvName('learning_rate')).toBe('GANTRY_PARAM_LEARNING_RATE');
    expect(hyperparameterEnvName('optimizer.beta-1')).toBe('GANTRY_PARAM_OPTIMIZER_BETA_1');
    expect(envNameProblem(hyperparameterEnvName('p'.repeat(64)))).toBeUndefined();
  });
});
