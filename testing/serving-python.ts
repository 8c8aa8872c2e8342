import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const VENV_PYTHON = path.join(os.homedir(), '.gantry-tools', 'mlflow-venv', 'bin', 'python');
/** The Python with mlflow, numpy and onnx that serving tests run their scripts with. */
export const SERVING_PYTHON = existsSync(VENV_PYTHON) ? VENV_PYTHON : 'python3';
