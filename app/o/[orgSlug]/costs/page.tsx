import { CostsView } from './costs-view';

export const metadata = { title: 'Costs' };

export default function CostsPage() {
  return <CostsView />;
}
