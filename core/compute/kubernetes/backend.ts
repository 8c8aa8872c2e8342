import { ApiException, IsomorphicFetchHttpLibrary, ResponseContext, SelfDecodingBody, wrapHttpLibrary, type V1Job, type V1OwnerReference, type V1Pod, type V1Secret } from '@kubernetes/client-node';
import { AppError } from '../../errors';
import type { BackendJobSpec, BackendJobStatus, ClusterCapacity, ComputeBackend, LogChunk, SubmitResult } from '../compute-backend';
import type { SanitizedKubeconfig } from '../kubeconfig';
import { capacityFromNodes } from './capacity';
import { ClusterApiError, clusterError, isApiStatus, kubernetesClients, type KubernetesClients } from './client';
import { followLog, LOG_CHUNK_BYTES, recallCursor, rememberCursor, sinceTimeParam, type LogTimestamp } from './log-cursor';
import { buildJobManifest, buildSecretManifest, CONTAINER_NAME, DEFAULT_GPU_TYPE_LABEL, DEFAULT_TTL_SECONDS_AFTER_FINISHED, DNS_LABEL, LABELS, madeFor } from './manifests';
import { containerEnded, jobStatusFrom, toDate } from './status';
import { createLogger } from '../../observability/logger';

const log = createLogger('kubernetes');

/**
 * Runs Gantry jobs as `batch/v1` Jobs on a tenant's cluster (the objects are in
 * ./manifests). The Job owns the Secret with the job's credentials, and Kubernetes'
 * garbage collector deletes it with the Job. Every call goes through the guarded
 * clients of ./client.
 */

export interface KubernetesBackendOptions {
  /** Where Jobs are created; must exist. */
  namespace: string;
  /** The node label whose value is the GPU type (default `nvidia.com/gpu.product`, set by GPU feature discovery). */
  gpuTypeLabel?: string;
  /** How long a finished Job, its pod and logs stay before Kubernetes deletes them. */
  ttlSecondsAfterFinished?: number;
  /** Per API request; a request that takes longer fails UNAVAILABLE. */
  requestTimeoutMs?: number;
}

/** What the generated client uses; log reads wrap it to add `sinceTime` and keep the raw body. */
const fetchLibrary = new IsomorphicFetchHttpLibrary();

export class KubernetesBackend implements ComputeBackend {
  readonly kind = 'kubernetes' as const;
  readonly namespace: string;
  readonly gpuTypeLabel: string;
  private readonly clients: KubernetesClients;
  private readonly ttlSecondsAfterFinished: number;

  constructor(kubeconfig: SanitizedKubeconfig, opts: KubernetesBackendOptions) {
    if (!DNS_LABEL.test(opts.namespace)) throw new AppError('BAD_USER_INPUT', `"${opts.namespace}" is not a Kubernetes namespace name`, { fields: [{ path: 'namespace', message: 'must be a DNS label' }] });
    this.namespace = opts.namespace;
    this.gpuTypeLabel = opts.gpuTypeLabel ?? DEFAULT_GPU_TYPE_LABEL;
    this.ttlSecondsAfterFinished = opts.ttlSecondsAfterFinished ?? DEFAULT_TTL_SECONDS_AFTER_FINISHED;
    this.clients = kubernetesClients(kubeconfig, { namespace: opts.namespace, requestTimeoutMs: opts.requestTimeoutMs });
  }

  private fail(e: unknown, action: string, opts?: { clusterScoped?: boolean }): never {
    throw clusterError(e, action, this.clients, opts);
  }

  /**
   * The Secret first (a pod whose Secret is missing waits in CreateContainerConfigError),
   * then the Job, then the Job becomes the Secret's owner. Every step finds its own
   * object on a retried submit; objects of the same name made for anything else are a CONFLICT.
   * When the Secret cannot be handed to the Job, both are deleted before the error is thrown.
   */
  async submit(spec: BackendJobSpec): Promise<SubmitResult> {
    const body = buildJobManifest(spec, { namespace: this.namespace, gpuTypeLabel: this.gpuTypeLabel, ttlSecondsAfterFinished: this.ttlSecondsAfterFinished });
    const secret = Object.keys(spec.secretEnv).length > 0 ? await this.writeSecret(spec) : null;
    let created: boolean;
    let uid: string | undefined;
    try {
      uid = (await this.clients.batch.createNamespacedJob({ namespace: this.namespace, body })).metadata?.uid;
      created = true;
    } catch (e) {
      if (!isApiStatus(e, 409)) {
        // Refused for good: the credentials must not stay behind without a Job to own them.
        if (secret && e instanceof ApiException && e.code >= 400 && e.code < 500) {
          await this.deleteSecret(spec.name).catch((err: unknown) =>
            log.warn('could not delete the credentials Secret of a Job the cluster refused; it stays until removed', { namespace: this.namespace, secret: spec.name, err }),
          );
        }
        this.fail(e, 'create jobs');
      }
      created = false;
    }
    if (!created) {
      // AlreadyExists: a retried submit finds its own Job; a foreign Job with this name is a conflict.
      let existing: V1Job;
      try {
        existing = await this.clients.batch.readNamespacedJob({ name: spec.name, namespace: this.namespace });
      } catch (e) {
        this.fail(e, 'get jobs');
      }
      if (!madeFor(existing.metadata?.labels, spec)) {
        throw new ClusterApiError('CONFLICT', 'cluster-conflict', `A Job named ${spec.name} that Gantry did not create for this job exists in namespace "${this.namespace}"`, 409);
      }
      uid = existing.metadata?.uid;
    }
    if (secret && uid) {
      try {
        await this.giveSecretTo(secret, { apiVersion: 'batch/v1', kind: 'Job', name: spec.name, uid });
      } catch (e) {
        // Nothing half-made may stay: a Job running with credentials that nothing would ever delete.
        await this.cancel(spec.name).catch((err: unknown) =>
          log.warn('could not delete the Job and Secret of a submit that failed; they stay until removed', { namespace: this.namespace, job: spec.name, err }),
        );
        throw e;
      }
    }
    return { created };
  }

  /** Creates the job's Secret; a retried submit's own Secret gets the new credentials (each submit mints a key). */
  private async writeSecret(spec: BackendJobSpec): Promise<V1Secret> {
    const body = buildSecretManifest(spec, { namespace: this.namespace });
    try {
      return await this.clients.core.createNamespacedSecret({ namespace: this.namespace, body });
    } catch (e) {
      if (!isApiStatus(e, 409)) this.fail(e, 'create secrets');
    }
    return this.updateSecret(spec.name, null, (current) => {
      if (!madeFor(current.metadata?.labels, spec)) {
        throw new ClusterApiError('CONFLICT', 'cluster-conflict', `A Secret named ${spec.name} that Gantry did not create for this job exists in namespace "${this.namespace}"`, 409);
      }
      // `stringData` without `data` replaces every key; the owner (a Job of an earlier submit) stays.
      return { ...body, metadata: { ...body.metadata, resourceVersion: current.metadata?.resourceVersion, ownerReferences: current.metadata?.ownerReferences } };
    });
  }

  /**
   * Makes `owner` the Secret's only owner, so the garbage collector deletes the Secret
   * with the Job (on cancel, or when its TTL runs out). Not a controller reference, and
   * `blockOwnerDeletion` stays off: that would need permission to update the Job's finalizers.
   */
  private async giveSecretTo(secret: V1Secret, owner: V1OwnerReference): Promise<void> {
    await this.updateSecret(secret.metadata!.name!, secret, (current) => {
      const refs = current.metadata?.ownerReferences ?? [];
      if (refs.length === 1 && refs[0]!.uid === owner.uid) return null;
      return { ...current, metadata: { ...current.metadata, ownerReferences: [{ ...owner, controller: false, blockOwnerDeletion: false }] } };
    });
  }

  /**
   * Read-modify-replace of a Secret, starting from `known` when given: `change` returns
   * the new object (carrying the read `resourceVersion`) or null when nothing is to change.
   * A concurrent write (409 Conflict) reads again, a few times.
   */
  private async updateSecret(name: string, known: V1Secret | null, change: (current: V1Secret) => V1Secret | null): Promise<V1Secret> {
    let current = known;
    for (let tries = 1; ; tries++) {
      if (!current) {
        try {
          current = await this.clients.core.readNamespacedSecret({ name, namespace: this.namespace });
        } catch (e) {
          this.fail(e, 'get secrets');
        }
      }
      const body = change(current);
      if (!body) return current;
      try {
        return await this.clients.core.replaceNamespacedSecret({ name, namespace: this.namespace, body });
      } catch (e) {
        if (!isApiStatus(e, 409) || tries >= 3) this.fail(e, 'update secrets');
        current = null;
      }
    }
  }

  private async deleteSecret(name: string): Promise<void> {
    try {
      await this.clients.core.deleteNamespacedSecret({ name, namespace: this.namespace });
    } catch (e) {
      if (isApiStatus(e, 404)) return;
      this.fail(e, 'delete secrets');
    }
  }

  private async newestPod(name: string, jobUid?: string): Promise<V1Pod | null> {
    let pods: V1Pod[];
    try {
      pods = (await this.clients.core.listNamespacedPod({ namespace: this.namespace, labelSelector: `${LABELS.backendJob}=${name}` })).items;
    } catch (e) {
      this.fail(e, 'list pods');
    }
    const owned = jobUid ? pods.filter((p) => p.metadata?.ownerReferences?.some((o) => o.uid === jobUid)) : pods;
    const time = (p: V1Pod) => toDate(p.metadata?.creationTimestamp)?.getTime() ?? 0;
    return owned.sort((a, b) => time(b) - time(a))[0] ?? null;
  }

  async status(name: string): Promise<BackendJobStatus | null> {
    let job: V1Job;
    try {
      job = await this.clients.batch.readNamespacedJob({ name, namespace: this.namespace });
    } catch (e) {
      if (isApiStatus(e, 404)) return null;
      this.fail(e, 'get jobs');
    }
    return jobStatusFrom(job, await this.newestPod(name, job.metadata?.uid));
  }

  /**
   * Reads with timestamps: from the second of the cursor kept for `offset` (same cluster,
   * namespace and pod), else from the log's start, skipping `offset` bytes of log text.
   * A read too short to tell anything new is repeated with twice the limit.
   */
  async logs(name: string, offset: number): Promise<LogChunk> {
    if (!Number.isInteger(offset) || offset < 0) throw new AppError('BAD_USER_INPUT', 'The log offset must be a whole number, 0 or more');
    const pod = await this.newestPod(name);
    const podName = pod?.metadata?.name;
    if (!pod || !podName) return { text: '', nextOffset: offset };
    const uid = pod.metadata?.uid;
    const key = (at: number) => (uid ? `${this.clients.server} ${this.namespace} ${uid} ${at}` : null);
    const cursorKey = key(offset);
    const cursor = cursorKey ? recallCursor(cursorKey) : null;
    const since = cursor ? { sec: cursor.ts.sec, nanos: 0 } : null;
    const final = containerEnded(pod);
    // Room for a chunk and the timestamps before its lines, after what comes before the offset.
    let limitBytes = (cursor ? cursor.before : Math.ceil(offset * 1.5)) + 2 * LOG_CHUNK_BYTES;
    for (;;) {
      const buf = await this.readLog(podName, limitBytes, since);
      if (!buf) return { text: '', nextOffset: offset };
      const read = followLog(buf, { since, from: cursor ?? { skip: offset }, truncated: buf.length >= limitBytes, final });
      if (read.more) {
        limitBytes *= 2;
        continue;
      }
      const nextOffset = offset + read.text.length;
      const nextKey = key(nextOffset);
      if (read.cursor && nextKey) rememberCursor(nextKey, read.cursor);
      return { text: read.text.toString('utf8'), nextOffset };
    }
  }

  /**
   * One timestamped read of the container's log, as raw bytes (the generated client has
   * no `sinceTime`, which the API takes, and decodes the body, which may end inside a
   * character); null when there is no log to read: the pod is not scheduled yet (the API
   * server answers 204 No Content, with no content type, which the generated client cannot
   * parse), the container has not started (400) or the pod just went away (404).
   */
  private async readLog(podName: string, limitBytes: number, since: LogTimestamp | null): Promise<Buffer | null> {
    let body: Buffer = Buffer.alloc(0);
    let status = 0;
    const httpApi = wrapHttpLibrary({
      async send(request) {
        if (since) request.setQueryParam('sinceTime', sinceTimeParam(since.sec));
        const response = await fetchLibrary.send(request).toPromise();
        status = response.httpStatusCode;
        body = await response.body.binary();
        return new ResponseContext(response.httpStatusCode, response.headers, new SelfDecodingBody(Promise.resolve(body)));
      },
    });
    try {
      await this.clients.core.readNamespacedPodLog({ name: podName, namespace: this.namespace, container: CONTAINER_NAME, timestamps: true, limitBytes }, { httpApi });
    } catch (e) {
      if (status === 204 || isApiStatus(e, 400) || isApiStatus(e, 404)) return null;
      this.fail(e, 'read pod logs');
    }
    return body;
  }

  async cancel(name: string): Promise<void> {
    try {
      // Background: the Job goes now and its pods and Secret after it; the API's default for Jobs would orphan them.
      await this.clients.batch.deleteNamespacedJob({ name, namespace: this.namespace, propagationPolicy: 'Background' });
    } catch (e) {
      if (!isApiStatus(e, 404)) this.fail(e, 'delete jobs');
    }
    // Not left to the garbage collector: a Secret without an owner yet (a submit cut short) would stay.
    await this.deleteSecret(name);
  }

  /** Nothing to do: the Job (and what it owns) goes after `ttlSecondsAfterFinished`, and stays inspectable until then. */
  async release(): Promise<void> {}

  async capacity(): Promise<ClusterCapacity> {
    try {
      const nodes = await this.clients.core.listNode({});
      return capacityFromNodes(nodes.items, this.gpuTypeLabel);
    } catch (e) {
      this.fail(e, 'list nodes', { clusterScoped: true });
    }
  }
}
