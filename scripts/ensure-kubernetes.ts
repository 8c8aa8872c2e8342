/**
 * Makes sure the Kubernetes control plane the tests run against is built (etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler, kubectl, KWOK; see scripts/lib/kubernetes-binaries.ts)
 * and prints the directory that holds it as the last line, for CI and shell scripts.
 */
import { findOrBuildKubernetes } from './lib/kubernetes-binaries';

const result = await findOrBuildKubernetes({ log: (line) => console.error(line) });
if (result.binaries === null) {
  console.error(result.reason);
  process.exit(1);
}
console.log(result.binaries.dir);
