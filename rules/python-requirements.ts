/**
 * The Python requirements a job names (`python.requirements` in its spec, or a
 * requirements file its job file points at). The local cluster installs them with pip
 * into a virtual environment, so each one must be a plain requirement specifier that pip
 * reads as a package from the host's configured index and as nothing else: a name, optional
 * extras, optional version specifiers and an optional environment marker
 * (`numpy==2.1.3`, `mlflow-skinny[databricks]>=3.1,<4`, `tomli; python_version < "3.11"`).
 * Options (`--index-url`, `-e`, `-r`), files, URLs and direct references are refused: where
 * packages come from is the Gantry host's pip configuration, not the job's.
 */

export const PYTHON_REQUIREMENTS_MAX = 100;
export const PYTHON_REQUIREMENT_MAX_LENGTH = 200;
/** A requirements file a job file names is read whole; larger files are refused. */
export const REQUIREMENTS_FILE_MAX_BYTES = 64 * 1024;

const NAME = String.raw`[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?`;
const EXTRAS = String.raw`\[\s*${NAME}(?:\s*,\s*${NAME})*\s*\]`;
const CLAUSE = String.raw`(?:===|==|!=|~=|<=|>=|<|>)\s*[A-Za-z0-9*][A-Za-z0-9.*+!_-]*`;
const SPECIFIERS = String.raw`${CLAUSE}(?:\s*,\s*${CLAUSE})*`;
// Marker expressions compare names with quoted strings; no character here starts an option, a comment or a variable.
// A marker compares something: at least one operator (or `in`).
const MARKER = String.raw`(?=[^;]*(?:[<>=!~]|\bin\b))[A-Za-z0-9_.'"<>=!~() ,]+`;
const REQUIREMENT = new RegExp(String.raw`^${NAME}(?:\s*${EXTRAS})?(?:\s*(?:${SPECIFIERS}|\(\s*${SPECIFIERS}\s*\)))?(?:\s*;\s*${MARKER})?$`);

const EXAMPLE = 'e.g. numpy==2.1.3 or mlflow-skinny[databricks]>=3.1,<4';

/** Why `requirement` is not a requirement a job may name; undefined when it is one. */
export function pythonRequirementProblem(requirement: string): string | undefined {
  const r = requirement.trim();
  if (!r) return 'A requirement must not be empty';
  if (r.length > PYTHON_REQUIREMENT_MAX_LENGTH) return `A requirement is at most ${PYTHON_REQUIREMENT_MAX_LENGTH} characters`;
  if (/[\u0000-\u001f\u007f]/.test(r)) return 'A requirement is one line of text, without control characters';
  if (r.startsWith('-')) return `pip options such as '${r.split(/[\s=]/)[0]}' are not accepted: packages come from the package index the Gantry host's pip is configured with`;
  if (/\s-/.test(r)) return 'pip options after a requirement are not accepted: give only the package and its version';
  if (r.includes('@') || r.includes('://')) return `Direct references and URLs are not accepted: name a package from the index, ${EXAMPLE}`;
  if (/[\\/]/.test(r) || /\.(whl|zip|tar\.gz|tgz)$/i.test(r)) return `Files and paths are not accepted: name a package from the index, ${EXAMPLE}`;
  if (!REQUIREMENT.test(r)) return `Not a requirement pip reads as a package: a name with optional [extras], version specifiers and an environment marker, ${EXAMPLE}`;
  return undefined;
}

export interface RequirementsFileProblem {
  /** 1-based line in the file. */
  line: number;
  message: string;
}

/**
 * The requirements in the text of a requirements file: one per line, blank lines and
 * `#` comments skipped, each line checked as {@link pythonRequirementProblem} checks it.
 * Every problem is reported with its line, so a file is fixed in one go.
 */
export function parseRequirementsText(text: string): { requirements: string[]; problems: RequirementsFileProblem[] } {
  const requirements: string[] = [];
  const problems: RequirementsFileProblem[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    // As pip reads it: a comment starts with `#` at the line's start or after whitespace.
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) return;
    if (line.endsWith('\\')) {
      problems.push({ line: i + 1, message: 'Continued lines (ending in \\) are not accepted: one requirement per line' });
      return;
    }
    const problem = pythonRequirementProblem(line);
    if (problem) problems.push({ line: i + 1, message: `'${line.slice(0, 80)}': ${problem}` });
    else requirements.push(line);
  });
  if (requirements.length > PYTHON_REQUIREMENTS_MAX) problems.push({ line: 0, message: `At most ${PYTHON_REQUIREMENTS_MAX} requirements` });
  return { requirements, problems };
}
