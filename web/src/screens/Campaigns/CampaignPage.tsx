// A campaign: its state and controls, what it sends to whom, a personalisation preview, the
// audience estimate before launch, and once launched the live funnel and per-minute chart.
import { Button, Code, Grid, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { Link } from 'wouter';
import { text } from '../../api/client';
import { enc } from '../../api/queries';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Loading, Page } from '../../components/Page';
import { EstimateLine } from './AudienceBuilder';
import { Controls } from './Controls';
import { StateBadge } from './Funnel';
import { LiveStats } from './LiveStats';
import { PreviewPanel } from './PreviewPanel';
import { hasMessages, isEditable, useCampaign, useCampaignEstimate } from './queries';
import type { Campaign } from './types';

/** Long lines wrap rather than widen the page (390 px screens). */
const WRAP = { whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' } as const;

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Paper withBorder p="md">
      <Stack gap="sm">
        <Title order={2} size="h4">
          {title}
        </Title>
        {children}
      </Stack>
    </Paper>
  );
}

/** The fallback channels in order, and the text they send. */
function fallbackText(c: Campaign): string {
  const channels = (c.fallback_channels ?? []).map((f) => (typeof f === 'string' ? f : f.channel));
  if (channels.length === 0) return 'none';
  return `${[c.channel, ...channels].join(' → ')}${c.fallback_body ? `, sending “${c.fallback_body}”` : ", sending the message's text"}`;
}

function Facts({ c }: { c: Campaign }) {
  const rows: [string, ReactNode][] = [
    ['Channel', c.channel],
    ['Audience', c.audience.type === 'filter' ? <Code block style={WRAP}>{JSON.stringify(c.audience.filter, null, 2)}</Code> : `a list of ${c.audience_size} customer ids`],
    ['Audience size', c.audience_size],
    ['Link tracking', c.track_links === null ? "the project's setting" : c.track_links ? 'on' : 'off'],
    ['Missing variable', c.missing_variable_policy === 'skip' ? 'skip the customer' : 'render empty'],
    ['Fallback', fallbackText(c)],
    ['Send at', c.send_at ? new Date(c.send_at).toLocaleString() : '—'],
    ['Launched', c.launched_at ? new Date(c.launched_at).toLocaleString() : '—'],
  ];
  if (c.cancelled_messages !== null) rows.push(['Cancelled messages', c.cancelled_messages]);
  if (c.launch_summary) rows.push(['Launch summary', <Code block style={WRAP}>{JSON.stringify(c.launch_summary, null, 2)}</Code>]);
  return (
    <Table>
      <Table.Tbody>
        {rows.map(([k, v]) => (
          <Table.Tr key={k}>
            <Table.Th scope="row" w={150}>
              {k}
            </Table.Th>
            <Table.Td style={{ maxWidth: 0, overflowWrap: 'anywhere' }}>{typeof v === 'string' || typeof v === 'number' ? text(v) : v}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

export function CampaignPage({ id }: { id: string }) {
  const campaign = useCampaign(id);
  const c = campaign.data;
  const before = !!c && !hasMessages(c.state);
  const estimate = useCampaignEstimate(id, before);
  if (campaign.isPending) return <Loading what="the campaign" />;
  if (!c) return <ErrorAlert error={campaign.error} />;
  return (
    <Page
      title={c.name}
      description={c.id}
      actions={
        <Group gap="xs">
          <Button component={Link} href="/campaigns" variant="default">
            All campaigns
          </Button>
          {isEditable(c.state) ? (
            <Button component={Link} href={`/campaigns/${enc(c.id)}/edit`}>
              Edit campaign
            </Button>
          ) : (
            <Button component={Link} href={`/campaigns/new?from=${enc(c.id)}`} variant="default">
              Copy into a new draft
            </Button>
          )}
        </Group>
      }
    >
      <Group gap="xs">
        <Text size="sm" fw={500}>
          State
        </Text>
        <StateBadge state={c.state} />
      </Group>
      <Controls campaign={c} />
      <Grid>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Stack>
            <Section title="Message">
              <Code block style={WRAP} data-testid="campaign-message">
                {c.content && c.content.type !== 'text' ? JSON.stringify(c.content, null, 2) : c.body}
              </Code>
              {c.media_urls.length > 0 && (
                <Stack gap={2} data-testid="campaign-media">
                  <Text size="sm" fw={500}>
                    Media
                  </Text>
                  {c.media_urls.map((u) => (
                    <Text key={u} size="sm" style={WRAP}>
                      {u}
                    </Text>
                  ))}
                </Stack>
              )}
              <PreviewPanel cid={c.id} />
            </Section>
            <Section title="Details">
              {before && (estimate.data ? <EstimateLine e={estimate.data} /> : <ErrorAlert error={estimate.error} />)}
              <Facts c={c} />
            </Section>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Section title="Delivery">{hasMessages(c.state) ? <LiveStats cid={c.id} /> : <Text size="sm">The funnel and the chart appear once the campaign is launched.</Text>}</Section>
        </Grid.Col>
      </Grid>
    </Page>
  );
}
