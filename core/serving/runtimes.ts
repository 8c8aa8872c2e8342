import type { ModelRuntime } from './model-runtime';
import { onnxRuntime } from './onnx-runtime';
import type { ServingRuntimeKind } from './servable';

/** The runtimes of the built-in `local` target: ONNX in the gateway's process. */
export function localRuntimes(): Partial<Record<ServingRuntimeKind, ModelRuntime>> {
  return { onnx: onnxRuntime };
}
