import { AuditView } from './audit-view';

export const metadata = { title: 'Audit log' };

export default function AuditPage() {
  return <AuditView />;
}
