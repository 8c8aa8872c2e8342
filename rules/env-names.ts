/**
 * Names in a job's environment. A variable is a portable shell name (letters, digits
 * and "_", not starting with a digit) of at most 128 characters, whichever backend
 * runs the job: Kubernetes would also take "-" and ".", which no shell can read and
 * the local backend's processes would get all the same, so a job spec means one
 * thing everywhere. GANTRY_* and MLFLOW_* belong to Gantry, which sets them for the job.
 */

export const ENV_NAME_MAX_LENGTH = 128;
/** Names the job's code reads from Gantry; a user-supplied variable may not shadow them. */
export const RESERVED_ENV_PREFIXES = ['GANTRY_', 'MLFLOW_'] as const;
export const HYPERPARAMETER_NAME_MAX_LENGTH = 64;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HYPERPARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Why `name` cannot name an environment variable; undefined when it can. */
export function envNameProblem(name: string): string | undefined {
  if (!ENV_NAME.test(name)) return 'Environment variable names are letters, digits and "_", not starting with a digit';
  if (name.length > ENV_NAME_MAX_LENGTH) return `Environment variable names are at most ${ENV_NAME_MAX_LENGTH} characters`;
  return undefined;
}

export const isEnvName = (name: string): boolean => envNameProblem(name) === undefined;

/** {@link envNameProblem} for a variable a user sets in a job spec, which may also not be one of Gantry's own. */
export function userEnvNameProblem(name: string): string | undefined {
  const problem = envNameProblem(name);
  if (problem) return problem;
  if (RESERVED_ENV_PREFIXES.some((p) => name.toUpperCase().startsWith(p))) return 'GANTRY_* and MLFLOW_* variables are set by Gantry';
  return undefined;
}

/** Why `name` cannot name a hyperparameter; undefined when it can. */
export function hyperparameterNameProblem(name: string): string | undefined {
  if (!HYPERPARAMETER_NAME.test(name)) return 'Hyperparameter names are letters, digits, "_", "." and "-", starting with a letter or "_"';
  if (name.length > HYPERPARAMETER_NAME_MAX_LENGTH) return `Hyperparameter names are at most ${HYPERPARAMETER_NAME_MAX_LENGTH} characters`;
  return undefined;
}

/** The variable a hyperparameter reaches the job's code as: `learning_rate` → `GANTRY_PARAM_LEARNING_RATE`. */
export function hyperparameterEnvName(key: string): string {
  return `GANTRY_PARAM_${key.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`;
}
