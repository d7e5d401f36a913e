import { Badge, Button, Table, Text, Tooltip } from '@mantine/core';
import { Link } from 'wouter';
import { useIntegrations, useProviders, useSettings } from '../../api/queries';
import { useSession } from '../../api/session';
import type { Integration, Settings } from '../../api/types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { ListTable } from '../../components/ListTable';
import { ADMIN_ONLY, AdminOnlyNotice, Page } from '../../components/Page';

function defaultFor(i: Integration, s: Settings | undefined): string[] {
  const out: string[] = [];
  if (s?.default_sms_integration_id === i.id) out.push('SMS/MMS');
  if (s?.default_whatsapp_integration_id === i.id) out.push('WhatsApp');
  if (s?.default_rcs_integration_id === i.id) out.push('RCS');
  return out;
}

export function VerifyBadge({ result }: { result: Integration['last_verify'] }) {
  if (!result) return <Text size="sm" c="dimmed">not checked since its last change</Text>;
  return (
    <Tooltip label={result.message ?? result.reason ?? ''} disabled={!result.message} multiline w={280}>
      <Badge color={result.ok ? 'green' : 'red'} variant="light" data-testid="verify-result">
        {result.ok ? 'verified' : (result.reason ?? 'failed')}
      </Badge>
    </Tooltip>
  );
}

export function IntegrationsList() {
  const { isAdmin } = useSession();
  const integrations = useIntegrations();
  const settings = useSettings();
  const providers = useProviders();
  const nameOf = (type: string) => providers.data?.data.find((p) => p.type === type)?.display_name ?? type;
  const add = isAdmin ? (
    <Button component={Link} href="/integrations/new">
      + Add new integration
    </Button>
  ) : (
    <Button disabled title={ADMIN_ONLY}>
      + Add new integration
    </Button>
  );
  return (
    <Page title="Integrations" description="Provider accounts the hub sends through and receives from." actions={add}>
      <AdminOnlyNotice show={!isAdmin} />
      <ErrorAlert error={integrations.error} />
      <ListTable
        label="Integrations"
        minWidth={640}
        loading={integrations.isPending}
        rows={integrations.data?.data}
        empty={`No integrations yet. ${isAdmin ? 'Add one to start sending.' : 'An admin adds them.'}`}
        columns={['Provider', 'Name', 'Default for', 'Rate limit', 'Last verify']}
        table={{ striped: true, highlightOnHover: true }}
        row={(i) => (
          <Table.Tr key={i.id}>
            <Table.Td>{nameOf(i.provider)}</Table.Td>
            <Table.Td>
              <Link href={`/integrations/${i.id}`}>{i.name}</Link>
            </Table.Td>
            <Table.Td>{defaultFor(i, settings.data).join(', ') || '—'}</Table.Td>
            <Table.Td>{i.rate_limit === null ? 'unlimited' : `${i.rate_limit} parts/s`}</Table.Td>
            <Table.Td>
              <VerifyBadge result={i.last_verify} />
            </Table.Td>
          </Table.Tr>
        )}
      />
    </Page>
  );
}
