/**
 * What a model-server process needs from Python: the model's own requirements (what the mlflow
 * client wrote into `requirements.txt` when it logged the model: its mlflow, its library and that
 * library's pins) plus MLServer and its MLflow runtime. The list is what `preparePythonEnvironment`
 * hashes, so every version logged from the same environment shares one built virtual environment.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** MLServer and its MLflow runtime, released together. */
export const MLSERVER_VERSION = '1.7.1';
export const MLSERVER_PACKAGES = [`mlserver==${MLSERVER_VERSION}`, `mlserver-mlflow==${MLSERVER_VERSION}`];
/** The oldest mlflow mlserver-mlflow 1.7 installs with (its `mlflow>=2.19.0`). */
const MLFLOW_FLOOR = [2, 19, 0];

/** A requirement pip takes as an argument: a name with optional extras, markers and version specifiers, or a URL reference. */
const REQUIREMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9._,-]+\])?\s*(@\s*\S+|[<>=!~;(\s].*)?$/;

export type Requirements = { ok: true; requirements: string[]; notes: string[] } | { ok: false; reason: string };

const versionAtLeast = (v: string, floor: number[]) => {
  const parts = v.split('.').map((p) => Number.parseInt(p, 10));
  for (let i = 0; i < floor.length; i++) {
    const n = Number.isFinite(parts[i]) ? parts[i]! : 0;
    if (n !== floor[i]) return n > floor[i]!;
  }
  return true;
};

/**
 * The requirements of the model server for the model in `modelDir`. Lines of `requirements.txt`
 * that are pip options (`-r`, `--index-url`, `-e`) are refused: the environment is built from
 * requirements alone, with the host's pip settings.
 *
 * The model's pins win over the server's, with one exception. Its mlflow pin is kept when
 * mlserver-mlflow accepts it (any mlflow from 2.19 on, which every model logged by a current
 * client pins), so the model is read by the mlflow that wrote it. An older pin cannot be
 * installed beside mlserver-mlflow 1.7 at all; it gives way to the server's floor instead of
 * failing the build, since mlflow reads models written by its earlier versions, while the
 * model's library pins (scikit-learn, numpy, ...) stay, as unpickling depends on them.
 */
export async function modelServerRequirements(modelDir: string): Promise<Requirements> {
  let text: string;
  try {
    text = await readFile(path.join(modelDir, 'requirements.txt'), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    // A model saved without one: mlserver-mlflow brings mlflow; the flavor's library is then missing, and loading says so.
    return { ok: true, requirements: [...MLSERVER_PACKAGES], notes: ['the model has no requirements.txt'] };
  }
  const requirements: string[] = [];
  const notes: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) continue;
    if (line.startsWith('-')) return { ok: false, reason: `requirements.txt has a pip option line (${line.slice(0, 80)}); the model server installs requirements only` };
    if (!REQUIREMENT.test(line)) return { ok: false, reason: `requirements.txt has a line that is not a requirement: ${line.slice(0, 80)}` };
    const name = line.match(/^[A-Za-z0-9._-]+/)![0].toLowerCase().replace(/[._]/g, '-');
    if (name === 'mlserver' || name === 'mlserver-mlflow') continue;
    const pinned = name === 'mlflow' ? line.match(/^mlflow\s*==\s*([0-9][0-9.]*)/i) : null;
    if (pinned && !versionAtLeast(pinned[1]!, MLFLOW_FLOOR)) {
      notes.push(`the model pins mlflow ${pinned[1]}; the model server runs mlflow ${MLFLOW_FLOOR.join('.')} or later`);
      requirements.push(`mlflow>=${MLFLOW_FLOOR.join('.')}`);
      continue;
    }
    requirements.push(line);
  }
  return { ok: true, requirements: [...requirements, ...MLSERVER_PACKAGES], notes };
}
