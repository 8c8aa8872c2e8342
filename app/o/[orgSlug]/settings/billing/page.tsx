import { BillingView } from './billing-view';

export const metadata = { title: 'Billing' };

export default function BillingPage() {
  return <BillingView />;
}
