/**
 * How a model version answers predictions, whatever runs it: ONNX in the gateway's own process,
 * a model-server process per version on this host, or a model server on a tenant's cluster.
 * Tensors are the Open Inference Protocol's: a name, a datatype, a shape and the values flattened
 * in row-major order. Callers validate requests against the version's signature before `infer`;
 * a runtime still refuses what its model cannot take (with `ModelInputError`).
 */

import type { InferInput, Tensor, TensorMeta } from '../../rules/serving/tensors';

// The tensors are the protocol's, so they live with the pure protocol code; runtimes use them from here.
export { OIP_DATATYPES } from '../../rules/serving/tensors';
export type { InferInput, OipDatatype, Tensor, TensorMeta } from '../../rules/serving/tensors';

export interface LoadedModel {
  readonly inputs: TensorMeta[];
  readonly outputs: TensorMeta[];
  infer(input: InferInput, opts?: { signal?: AbortSignal }): Promise<Tensor[]>;
  /** Whether it answers now (a model-server process that died is not ready until restarted). */
  ready(): Promise<boolean>;
  /** Frees the session or stops the process; idempotent. */
  close(): Promise<void>;
}

export interface LoadSpec {
  /** The model version's ID: one loaded model per version. */
  versionId: string;
  /** A local directory holding the version's files (its MLmodel and what it names). */
  modelDir: string;
  /** The MLmodel flavor recorded at registration (`onnx`, `sklearn`, ...). */
  framework: string | null;
  /**
   * For a version served on a tenant's Kubernetes cluster: where its model servers run, and the
   * version's registered signature (its tensors). `modelDir` is unused then: the files are on the cluster.
   */
  cluster?: { deploymentId: string; namespace: string; version: number; signature: Record<string, unknown> | null };
}

export interface ModelRuntime {
  readonly kind: 'onnx' | 'mlserver' | 'kubernetes';
  /** Whether this runtime can serve a version with these files; the reason when it cannot. */
  accepts(spec: LoadSpec): Promise<{ ok: true } | { ok: false; reason: string }>;
  /** Loads the version; a slow load (a model server's environment being built) says how it goes through `onProgress`. */
  load(spec: LoadSpec, opts?: LoadOptions): Promise<LoadedModel>;
}

export interface LoadOptions {
  /** What the load is doing now (a runtime's own stages, e.g. the model server's environment being built). */
  onProgress?: (progress: { stage: string }) => void;
  signal?: AbortSignal;
}

/** A request the model cannot take: wrong shape, datatype or a missing input. Transports answer 400. */
export class ModelInputError extends Error {
  override readonly name = 'ModelInputError';
}

/** The model could not answer (its server died, timed out): transports answer 503 and count it as an error. */
export class ModelUnavailableError extends Error {
  override readonly name = 'ModelUnavailableError';
}
