import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSchema, execute, GraphQLError, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { jobSpecSchema } from '../../core/training/job-spec';
import { VALID_KEY } from './fake-gantry';

/**
 * A stand-in for the web app's /api/graphql as far as jobs go, speaking its wire
 * format: graphql-js executes the documents the CLI sends against the committed
 * schema (the jobs API of graphql/types/compute.ts), the job spec is judged by the
 * platform's own zod schema (BAD_USER_INPUT with `extensions.fields`), and each job
 * moves through a scripted timeline one step per poll, so a follower's output is
 * deterministic.
 * It tests the CLI's side of the contract, not the platform's job engine.
 */

/** The committed schema (graphql/schema.graphql), so the CLI's documents are checked against the real contract. */
function jobsSchema(): GraphQLSchema {
  return buildSchema(readFileSync(new URL('../../graphql/schema.graphql', import.meta.url), 'utf8'));
}

type Status = 'queued' | 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled';
const ENDED = new Set<Status>(['succeeded', 'failed', 'cancelled']);

/** Where the job is after one more poll. Log text is appended to the step's attempt. */
export interface Step {
  status: Status;
  attempt?: number;
  reason?: string;
  message?: string;
  log?: string;
  runId?: string;
  modelVersionId?: string;
  costMicros?: number;
  runtimeSeconds?: number;
}

interface FakeJob {
  id: string;
  spec: Record<string, unknown> & { name?: string; command: string[]; args: string[]; resources: { cpu: number; memoryMiB: number; gpu: { count: number; type: string | null } } };
  steps: Step[];
  at: number;
  createdAt: number;
  cancelRequested: boolean;
  cancelReason?: string | null;
}

export interface SeenRequest {
  query: string;
  variables: Record<string, unknown>;
}

const BASE_TIME = Date.parse('2025-03-01T09:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const appError = (code: string, message: string, extra: Record<string, unknown> = {}) => new GraphQLError(message, { extensions: { code, ...extra } });
const record = (pairs: { key: string; value: string }[] | null | undefined) => (pairs ? Object.fromEntries(pairs.map((p) => [p.key, p.value])) : undefined);
const clean = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));

/** GraphQL's input as the job spec, the way the resolver hands it to submitTrainingJob. */
function toSpec(i: Record<string, unknown>) {
  const r = i.resources as Record<string, unknown> | null | undefined;
  const reg = i.registerModel as Record<string, unknown> | null | undefined;
  return clean({
    ...i,
    env: record(i.env as never),
    hyperparameters: record(i.hyperparameters as never),
    resources: r ? clean({ cpu: r.cpu, memoryMiB: r.memoryMiB, gpu: clean({ count: r.gpuCount ?? 0, type: r.gpuType }) }) : undefined,
    inputs: (i.inputs as Record<string, unknown>[] | null | undefined)?.map((d) => clean(d)),
    registerModel: reg ? clean(reg) : undefined,
  });
}

export function createFakeJobsApi() {
  const schema = jobsSchema();
  const jobs = new Map<string, FakeJob>();
  const scripts = new Map<string, Step[]>();
  const seen: SeenRequest[] = [];
  let sequence = 0;
  let unavailable = 0;
  let chunkBytes = 256 * 1024;

  /** The job as it stands at its current step. */
  function view(j: FakeJob) {
    const upto = j.steps.slice(0, j.at + 1);
    const now = upto.at(-1)!;
    let attempt = 1;
    const events: { status: Status; attempt: number; reason: string | null; message: string | null; occurredAt: string }[] = [];
    const logs = new Map<number, string>();
    let last: { status: Status; attempt: number } | null = null;
    let startedAt: number | null = null;
    upto.forEach((s, i) => {
      attempt = s.attempt ?? attempt;
      if (s.log) logs.set(attempt, (logs.get(attempt) ?? '') + s.log);
      if (!last || last.status !== s.status || last.attempt !== attempt) {
        events.push({ status: s.status, attempt, reason: s.reason ?? null, message: s.message ?? null, occurredAt: iso(j.createdAt + i * 1000) });
        if (s.status === 'running' && startedAt === null) startedAt = j.createdAt + i * 1000;
      }
      last = { status: s.status, attempt };
    });
    const ended = ENDED.has(now.status);
    const find = <K extends keyof Step>(k: K) => upto.findLast((s) => s[k] !== undefined)?.[k] ?? null;
    return {
      id: j.id,
      name: j.spec.name ?? [...j.spec.command, ...j.spec.args].join(' '),
      kind: 'training',
      status: now.status,
      reason: now.reason ?? null,
      message: now.message ?? null,
      attempt,
      maxAttempts: 1 + ((j.spec.retries as number | undefined) ?? 0),
      projectId: 'prj_churn',
      teamId: 'team_ml',
      cluster: { id: 'cluster_local', name: (j.spec.cluster as string | undefined) ?? 'local' },
      image: (j.spec.image as string | undefined) ?? '',
      command: [...j.spec.command, ...j.spec.args],
      resources: { cpu: j.spec.resources.cpu, memoryMiB: j.spec.resources.memoryMiB, gpuCount: j.spec.resources.gpu.count, gpuType: j.spec.resources.gpu.type },
      maxRuntimeSeconds: (j.spec.maxRuntimeSeconds as number | undefined) ?? 3600,
      hyperparameters: Object.entries((j.spec.hyperparameters as Record<string, string> | undefined) ?? {}).map(([key, value]) => ({ key, value })),
      experimentId: 'exp_churn',
      runId: find('runId'),
      registerModelName: (j.spec.registerModel as { name?: string } | null | undefined)?.name ?? null,
      modelVersionId: find('modelVersionId'),
      retrainingPolicyId: null,
      createdAt: iso(j.createdAt),
      startedAt: startedAt === null ? null : iso(startedAt),
      finishedAt: ended ? iso(j.createdAt + j.at * 1000) : null,
      runtimeSeconds: ended ? find('runtimeSeconds') : null,
      cpuSeconds: null,
      peakMemoryMiB: null,
      costMicros: ended ? find('costMicros') : null,
      cancelRequested: j.cancelRequested,
      events,
      logs,
      ended,
    };
  }

  function addJob(spec: FakeJob['spec'], steps: Step[]): FakeJob {
    sequence += 1;
    const job: FakeJob = { id: `job_${String(sequence).padStart(4, '0')}`, spec, steps, at: 0, createdAt: BASE_TIME + sequence * 60_000, cancelRequested: false };
    jobs.set(job.id, job);
    return job;
  }

  const jobOf = (id: string) => {
    const j = jobs.get(id);
    if (!j) throw appError('NOT_FOUND', `Job '${id}' not found`);
    return j;
  };

  function root(touched: Set<FakeJob>) {
    return {
      jobs: ({ first, status }: { first?: number | null; status?: Status[] | null }) => {
        const all = [...jobs.values()].map(view).filter((v) => !status || status.includes(v.status)).reverse();
        const page = all.slice(0, first ?? 20);
        return { edges: page.map((node) => ({ cursor: node.id, node })), pageInfo: { hasNextPage: all.length > page.length, hasPreviousPage: false } };
      },
      job: ({ id }: { id: string }) => {
        const j = jobOf(id);
        touched.add(j);
        return view(j);
      },
      jobLogs: ({ jobId, offset, attempt }: { jobId: string; offset?: number | null; attempt?: number | null }) => {
        const j = jobOf(jobId);
        touched.add(j);
        const v = view(j);
        const which = attempt ?? v.attempt;
        const all = Buffer.from(v.logs.get(which) ?? '', 'utf8');
        const from = offset ?? 0;
        const slice = all.subarray(from, from + chunkBytes);
        const nextOffset = from + slice.length;
        return { text: slice.toString('utf8'), nextOffset, attempt: which, complete: v.ended && nextOffset >= all.length };
      },
      submitTrainingJob: ({ input }: { input: Record<string, unknown> }) => {
        const parsed = jobSpecSchema.safeParse(toSpec(input));
        if (!parsed.success) {
          const fields = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
          throw appError('BAD_USER_INPUT', fields[0]!.message, { fields });
        }
        if (parsed.data.project !== 'churn' && parsed.data.project !== 'prj_churn') throw appError('NOT_FOUND', `Project '${parsed.data.project}' not found`);
        const steps = scripts.get(parsed.data.name ?? '') ?? [{ status: 'queued' }];
        return view(addJob(parsed.data as unknown as FakeJob['spec'], steps));
      },
      cancelJob: ({ id, reason }: { id: string; reason?: string | null }) => {
        const j = jobOf(id);
        if (ENDED.has(j.steps[j.at]!.status) || j.cancelRequested) return view(j);
        j.cancelRequested = true;
        j.cancelReason = reason ?? null;
        j.steps = [...j.steps.slice(0, j.at + 1), { status: 'cancelled', reason: 'Cancelled', message: reason ?? 'Cancelled by a user' }];
        return view(j);
      },
    };
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.url !== '/api/graphql' || req.method !== 'POST') return send(404, { error: 'not found' });
    if (unavailable > 0) {
      unavailable -= 1;
      res.writeHead(503, { 'content-type': 'text/html' });
      return res.end('<html>503 Service Unavailable</html>');
    }
    if (req.headers.authorization !== `Bearer ${VALID_KEY}`) {
      return send(401, { errors: [{ message: 'The API key is not valid', extensions: { code: 'UNAUTHENTICATED' } }] }, { 'www-authenticate': 'Bearer' });
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query: string; variables?: Record<string, unknown> };
    seen.push({ query: body.query, variables: body.variables ?? {} });
    let document: DocumentNode;
    try {
      document = parse(body.query);
    } catch (e) {
      return send(400, { errors: [{ message: (e as Error).message, extensions: { code: 'GRAPHQL_PARSE_FAILED' } }] });
    }
    const invalid = validate(schema, document);
    if (invalid.length > 0) return send(400, { errors: invalid.map((e) => ({ message: e.message, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })) });
    const touched = new Set<FakeJob>();
    const result = await execute({ schema, document, rootValue: root(touched), variableValues: body.variables ?? {} });
    // Each request that reads a job is one poll: the job moves one step on.
    for (const j of touched) j.at = Math.min(j.at + 1, j.steps.length - 1);
    if (result.data === undefined || result.data === null) {
      const status = result.data === undefined ? 400 : 200;
      return send(status, { errors: result.errors?.map((e) => ({ message: e.message, path: e.path, extensions: { code: 'BAD_USER_INPUT', ...e.extensions } })), data: result.data ?? null });
    }
    const errors = result.errors?.map((e) => ({ message: e.message, path: e.path, extensions: e.extensions }));
    send(200, errors ? { errors, data: result.data } : { data: result.data });
  }

  return {
    seen,
    jobs,
    /** A job submitted with this name follows these steps, one per poll; the first is its state at submission. */
    script: (name: string, steps: Step[]) => void scripts.set(name, steps),
    /** A job that exists already (for ls, show, logs, cancel). */
    addJob: (spec: Partial<FakeJob['spec']> & { command: string[] }, steps: Step[]) =>
      addJob({ args: [], resources: { cpu: 1, memoryMiB: 1024, gpu: { count: 0, type: null } }, ...spec }, steps).id,
    /** Answer the next `n` requests with a proxy's 503, as a restarting server would. */
    failNext: (n: number) => void (unavailable = n),
    /** How many log bytes one jobLogs answer carries (the platform sends up to 256 KiB). */
    setChunkBytes: (n: number) => void (chunkBytes = n),
    cancelReasonOf: (id: string) => jobs.get(id)?.cancelReason,
    async listen(): Promise<{ url: string; close: () => Promise<void> }> {
      const server = http.createServer((req, res) => {
        handle(req, res).catch((e: unknown) => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ errors: [{ message: String(e), extensions: { code: 'INTERNAL' } }] }));
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      return {
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((resolve, reject) => {
            server.closeAllConnections();
            server.close((e) => (e ? reject(e) : resolve()));
          }),
      };
    },
  };
}

export type FakeJobsApi = ReturnType<typeof createFakeJobsApi>;
