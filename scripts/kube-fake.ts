// npx tsx scripts/kube-fake.ts [--port N] [--kubeconfig FILE] [--out-dir DIR] [--run-ms MS] [--start-ms MS] [--schedule-ms MS]
// A fake Kubernetes API server (testing/kubernetes-fake.ts) for Playwright stories and manual checks.
// Prints the admin's kubeconfig to stdout, or writes it to FILE; --out-dir writes one kubeconfig per user
// (admin.yaml, viewer.yaml, runner.yaml with a client certificate, bad-token.yaml). "ready <url>" goes to
// stderr once everything is written. Runs until SIGINT/SIGTERM. The server listens on 127.0.0.1, so Gantry
// must run with CLUSTER_ALLOW_PRIVATE_ADDRESSES=true to connect to it.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startKubernetesFake } from '../testing/kubernetes-fake';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    kubeconfig: { type: 'string' },
    'out-dir': { type: 'string' },
    'run-ms': { type: 'string' },
    'start-ms': { type: 'string' },
    'schedule-ms': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

function number(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`--${name} must be a whole number\n`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  if (values.help) {
    process.stdout.write(usage());
    return;
  }
  const fake = await startKubernetesFake({
    port: number('port', values.port),
    timing: { runMs: number('run-ms', values['run-ms']), startMs: number('start-ms', values['start-ms']), scheduleMs: number('schedule-ms', values['schedule-ms']) },
  });
  const admin = fake.kubeconfig({ user: 'gantry-admin' });
  if (values['out-dir']) {
    const dir = values['out-dir'];
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'admin.yaml'), admin, { mode: 0o600 });
    writeFileSync(path.join(dir, 'viewer.yaml'), fake.kubeconfig({ user: 'gantry-viewer' }), { mode: 0o600 });
    writeFileSync(path.join(dir, 'runner.yaml'), fake.kubeconfig({ user: 'gantry-runner', auth: 'certificate' }), { mode: 0o600 });
    writeFileSync(path.join(dir, 'bad-token.yaml'), fake.kubeconfig({ user: 'gantry-admin', token: 'not-a-valid-token' }), { mode: 0o600 });
  }
  if (values.kubeconfig) writeFileSync(values.kubeconfig, admin, { mode: 0o600 });
  if (!values.kubeconfig && !values['out-dir']) process.stdout.write(admin);
  process.stderr.write(`ready ${fake.url}\n`);

  const stop = () => {
    fake.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function usage(): string {
  return 'usage: npx tsx scripts/kube-fake.ts [--port N] [--kubeconfig FILE] [--out-dir DIR] [--run-ms MS] [--start-ms MS] [--schedule-ms MS]\n';
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
