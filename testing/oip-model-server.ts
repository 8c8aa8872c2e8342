import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ModelInputError } from '../core/serving/model-runtime';
import { onnxRuntime } from '../core/serving/onnx-runtime';
import { parseInferRequest, OipError } from '../rules/serving/oip';

/**
 * A model server on loopback that stands in for the HTTP of the model-server pods KWOK pretends to
 * run (KWOK's pods have no processes): the Open Inference Protocol endpoints MLServer answers for
 * its one model (`/v2/health/ready`, `/v2/models/model/infer`), computing real predictions with the
 * version's ONNX file. It answers errors as MLServer does, `{"error": "..."}`: 400 for input the
 * model refuses, and 500 on every infer once `failing` is set.
 */
export interface OipModelServer {
  url: string;
  /** Requests answered, by path. */
  calls: string[];
  failing: boolean;
  close(): Promise<void>;
}

export async function startOipModelServer(modelDir: string, opts: { modelName?: string } = {}): Promise<OipModelServer> {
  const modelName = opts.modelName ?? 'model';
  const model = await onnxRuntime.load({ versionId: 'stand-in', modelDir, framework: 'onnx' });
  const state = { failing: false };
  const calls: string[] = [];
  const send = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const p = req.url ?? '/';
      calls.push(p);
      void (async () => {
        if (req.method === 'GET' && p === '/v2/health/ready') return send(res, 200, {});
        if (req.method === 'POST' && p === `/v2/models/${modelName}/infer`) {
          if (state.failing) return send(res, 500, { error: 'the model server failed' });
          try {
            const input = parseInferRequest(JSON.parse(Buffer.concat(chunks).toString('utf8')));
            const outputs = await model.infer(input);
            return send(res, 200, { model_name: modelName, id: input.id, outputs });
          } catch (e) {
            if (e instanceof ModelInputError || e instanceof OipError) return send(res, 400, { error: e.message });
            return send(res, 500, { error: e instanceof Error ? e.message : String(e) });
          }
        }
        return send(res, 404, { error: `no route for ${req.method} ${p}` });
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    get failing() {
      return state.failing;
    },
    set failing(v: boolean) {
      state.failing = v;
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await model.close();
    },
  };
}
