import { TeamsView } from './teams-view';

export const metadata = { title: 'Teams' };

export default function TeamsPage() {
  return <TeamsView />;
}
