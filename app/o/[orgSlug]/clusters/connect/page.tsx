import type { Metadata } from 'next';
import { ConnectClusterView } from './connect-view';

export const metadata: Metadata = { title: 'Connect a cluster' };

export default function ConnectClusterPage() {
  return <ConnectClusterView />;
}
