// Campaigns: every campaign of the project with its state and, once launched, a compact funnel.
import { Button, Table, Text } from '@mantine/core';
import { Link } from 'wouter';
import { enc } from '../../api/queries';
import { ErrorAlert } from '../../components/ErrorAlert';
import { ListTable } from '../../components/ListTable';
import { Page } from '../../components/Page';
import { CompactFunnel, StateBadge } from './Funnel';
import { hasMessages, isActive, useCampaigns, useCampaignStats } from './queries';
import type { Campaign } from './types';

function FunnelCell({ c }: { c: Campaign }) {
  // The list is not on the event stream: running campaigns' funnels are looked at every 10 s.
  const stats = useCampaignStats(c.id, hasMessages(c.state), isActive(c.state) ? 10_000 : false);
  if (!hasMessages(c.state)) {
    return (
      <Text size="sm" c="dimmed">
        {c.state === 'scheduled' && c.send_at ? `sends ${new Date(c.send_at).toLocaleString()}` : 'not launched'}
      </Text>
    );
  }
  return stats.data ? <CompactFunnel funnel={stats.data.funnel} /> : <Text size="sm">…</Text>;
}

export function CampaignsList() {
  const campaigns = useCampaigns();
  const list = [...(campaigns.data?.data ?? [])].sort((a, b) => b.created_at.localeCompare(a.created_at));
  return (
    <Page
      title="Campaigns"
      description="Messages to an audience: personalised, scheduled, paused or cancelled, with their delivery funnel."
      actions={
        <Button component={Link} href="/campaigns/new">
          + New campaign
        </Button>
      }
    >
      <ErrorAlert error={campaigns.error} />
      <ListTable
        label="Campaigns"
        minWidth={640}
        loading={campaigns.isPending}
        rows={campaigns.data && list}
        empty="No campaigns yet."
        columns={['Name', 'State', 'Audience', 'Funnel']}
        row={(c) => (
          <Table.Tr key={c.id} data-testid="campaign-row">
            <Table.Td>
              <Link href={`/campaigns/${enc(c.id)}`}>{c.name}</Link>
            </Table.Td>
            <Table.Td>
              <StateBadge state={c.state} />
            </Table.Td>
            <Table.Td>{c.audience_size}</Table.Td>
            <Table.Td>
              <FunnelCell c={c} />
            </Table.Td>
          </Table.Tr>
        )}
      />
    </Page>
  );
}
