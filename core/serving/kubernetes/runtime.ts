import { mlflowSignatureToTensors, OipError, parseInferRequest } from '../../../rules/serving/oip';
import type { InferInput, Tensor } from '../../../rules/serving/tensors';
import { ModelInputError, ModelUnavailableError, type LoadedModel, type LoadSpec, type ModelRuntime } from '../model-runtime';
import { endpointOf, SERVED_MODEL_NAME, type ServingEndpoint } from './manifests';

/**
 * The runtime of versions served on a tenant's Kubernetes cluster: nothing is loaded in the gateway;
 * each request is forwarded as an Open Inference Protocol request over HTTP to the version's Service
 * (./manifests `endpointOf`), and the answer read back. Where a Service is reached from is a
 * {@link ServiceResolver}: cluster DNS when the gateway runs in the cluster, anything else (a
 * loopback address in tests) by configuration.
 */

/** The base URL (`http://host:port`) of a version's Service. */
export type ServiceResolver = (endpoint: ServingEndpoint) => string;

/** For a gateway running where the cluster's DNS resolves: `http://<service>.<namespace>.svc:<port>`. */
export const clusterDnsResolver: ServiceResolver = (e) => `http://${e.service}.${e.namespace}.svc:${e.port}`;

export interface KubernetesRuntimeOptions {
  resolve: ServiceResolver;
  /** Per request to a model server; longer is a ModelUnavailableError. */
  timeoutMs?: number;
}

/** The server's `{"error": "..."}` message, or its text. */
async function errorText(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: unknown; detail?: unknown };
    const message = body.error ?? body.detail;
    if (typeof message === 'string' && message) return message.slice(0, 1000);
  } catch {
    // Not JSON: the text itself.
  }
  return text.trim().slice(0, 1000) || `HTTP ${res.status}`;
}

class ForwardedModel implements LoadedModel {
  readonly inputs;
  readonly outputs;
  constructor(
    private readonly base: string,
    private readonly version: number,
    signature: Record<string, unknown> | null,
    private readonly timeoutMs: number,
  ) {
    const t = mlflowSignatureToTensors(signature);
    this.inputs = t.inputs;
    this.outputs = t.outputs;
  }

  private async call(path: string, init: RequestInit, signal?: AbortSignal): Promise<Response> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    try {
      return await fetch(`${this.base}${path}`, { ...init, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    } catch (e) {
      const why = (e as Error).name === 'TimeoutError' ? `did not answer within ${this.timeoutMs} ms` : 'could not be reached';
      throw new ModelUnavailableError(`Version ${this.version}'s model server ${why}`);
    }
  }

  async infer(input: InferInput, opts: { signal?: AbortSignal } = {}): Promise<Tensor[]> {
    const body = JSON.stringify({ id: input.id, parameters: input.parameters, inputs: input.inputs, outputs: input.outputs?.map((name) => ({ name })) });
    const res = await this.call(`/v2/models/${SERVED_MODEL_NAME}/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }, opts.signal);
    if (res.status >= 400 && res.status < 500) throw new ModelInputError(await errorText(res));
    if (!res.ok) throw new ModelUnavailableError(`Version ${this.version}'s model server failed (HTTP ${res.status}): ${await errorText(res)}`);
    let answer: unknown;
    try {
      answer = await res.json();
    } catch {
      throw new ModelUnavailableError(`Version ${this.version}'s model server answered with something that is not JSON`);
    }
    try {
      // A response's outputs are tensors exactly as a request's inputs are: read by the same rules.
      return parseInferRequest({ inputs: (answer as { outputs?: unknown } | null)?.outputs }).inputs;
    } catch (e) {
      if (e instanceof OipError) throw new ModelUnavailableError(`Version ${this.version}'s model server gave outputs that are not OIP tensors: ${e.message}`);
      throw e;
    }
  }

  async ready(): Promise<boolean> {
    try {
      const res = await this.call('/v2/health/ready', { method: 'GET' });
      await res.body?.cancel();
      return res.ok;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    // The model servers belong to the cluster; they go when the version leaves the deployment.
  }
}

export function kubernetesRuntime(opts: KubernetesRuntimeOptions): ModelRuntime {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return {
    kind: 'kubernetes',
    async accepts(spec: LoadSpec) {
      return spec.cluster ? { ok: true } : { ok: false, reason: 'it is not served on a Kubernetes cluster' };
    },
    async load(spec: LoadSpec) {
      if (!spec.cluster) throw new ModelUnavailableError(`Version ${spec.versionId} is not served on a Kubernetes cluster`);
      const { deploymentId, namespace, version, signature } = spec.cluster;
      return new ForwardedModel(opts.resolve(endpointOf(deploymentId, version, namespace)).replace(/\/+$/, ''), version, signature, timeoutMs);
    },
  };
}
