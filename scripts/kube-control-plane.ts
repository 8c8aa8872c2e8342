// npx tsx scripts/kube-control-plane.ts [--kubeconfig FILE] [--service-account NAMESPACE/NAME]
// Starts the real Kubernetes control plane the tests use (testing/kube-control-plane.ts: etcd,
// kube-apiserver, controller-manager, scheduler and KWOK with fake GPU nodes), builds it first if
// needed, and writes the admin's kubeconfig to FILE (default: its directory's admin.kubeconfig); with
// --service-account, the kubeconfig of a namespaced service account with Gantry's documented Role
// instead. "ready <server>" goes to stderr once it is up. Runs until SIGINT/SIGTERM. The server listens
// on 127.0.0.1, so Gantry must run with CLUSTER_ALLOW_PRIVATE_ADDRESSES=true to connect to it.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startKubeControlPlane } from '../testing/kube-control-plane';

const { values } = parseArgs({ options: { kubeconfig: { type: 'string' }, 'service-account': { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  process.stderr.write('usage: npx tsx scripts/kube-control-plane.ts [--kubeconfig FILE] [--service-account NAMESPACE/NAME]\n');
  process.exit(0);
}
const began = Date.now();
const cp = await startKubeControlPlane({ log: (l) => process.stderr.write(`${l}\n`) });
let kubeconfig = cp.adminKubeconfig;
const sa = values['service-account'];
if (sa) {
  const [namespace, name] = sa.split('/');
  if (!namespace || !name) {
    process.stderr.write('--service-account must be NAMESPACE/NAME\n');
    await cp.stop();
    process.exit(2);
  }
  kubeconfig = await cp.serviceAccount({ namespace, name });
}
const file = path.resolve(values.kubeconfig ?? path.join(cp.dir, sa ? 'service-account.kubeconfig' : 'admin.kubeconfig'));
writeFileSync(file, kubeconfig, { mode: 0o600 });
process.stderr.write(`Kubernetes ${cp.version} up in ${((Date.now() - began) / 1000).toFixed(1)} s, ${cp.memoryMiB()} MiB; kubeconfig ${file}\n`);
process.stderr.write(`ready ${cp.server}\n`);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await cp.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
setInterval(() => undefined, 60_000);
