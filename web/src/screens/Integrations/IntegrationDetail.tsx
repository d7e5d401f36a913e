import { Alert, Button, Group, Modal, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useLocation, useSearch } from 'wouter';
import { del, get, patch, post } from '../../api/client';
import { enc, pkey, projectPath, useProviders } from '../../api/queries';
import { useProjectId, useSession } from '../../api/session';
import type { Integration, VerifyResult } from '../../api/types';
import { CopyField } from '../../components/CopyField';
import { ErrorAlert } from '../../components/ErrorAlert';
import { AdminOnlyNotice, Loading, Page } from '../../components/Page';
import { VerifyBadge } from './IntegrationsList';
import { ProviderForm, type IntegrationInput } from './ProviderForm';

/** The label of a webhook URL, as the provider's console names the field it goes into. */
function webhookLabel(provider: string, endpoint: string): string {
  if (provider === 'sinch_conversation') return 'Callback URL (Two-Way mobile messaging field)';
  if (endpoint === 'inbound') return 'Inbound messages URL';
  if (endpoint === 'status' || endpoint === 'delivery') return 'Delivery reports URL';
  return `${endpoint} URL`;
}

export function IntegrationDetail({ id }: { id: string }) {
  const pid = useProjectId();
  const { isAdmin } = useSession();
  const created = new URLSearchParams(useSearch()).has('created');
  const [, navigate] = useLocation();
  const qc = useQueryClient();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const providers = useProviders();
  const path = projectPath(pid, `/integrations/${enc(id)}`);
  const integration = useQuery({ queryKey: pkey(pid, 'integrations', id), queryFn: () => get<Integration>(path) });
  const refresh = () => qc.invalidateQueries({ queryKey: pkey(pid, 'integrations') });
  const verify = useMutation({ mutationFn: () => post<VerifyResult>(`${path}/verify`), onSuccess: refresh });
  // A change clears the hub's last check, so the check shown here is cleared too.
  const save = useMutation({
    mutationFn: (i: IntegrationInput) => patch<Integration>(path, i),
    onSuccess: async () => {
      verify.reset();
      await refresh();
    },
  });
  const remove = useMutation({
    mutationFn: () => del(path),
    onSuccess: async () => {
      await refresh();
      navigate('/integrations');
    },
  });
  if (integration.isPending) return <Loading what="the integration" />;
  if (!integration.data) return <ErrorAlert error={integration.error} />;
  const i = integration.data;
  const provider = providers.data?.data.find((p) => p.type === i.provider);
  const endpoints = provider?.webhook_endpoints ?? [];
  return (
    <Page title={i.name} description={`${provider?.display_name ?? i.provider} · channels: ${i.channels.join(', ')}`}>
      {created && (
        <Alert color="green" title="Integration saved">
          Now copy the URLs below into the provider's dashboard, then verify the credentials.
        </Alert>
      )}
      <Stack gap="sm" maw={720}>
        <Title order={2} size="h4">
          Webhook and callback URLs
        </Title>
        {Object.entries(i.webhook_urls).map(([name, url]) => (
          <CopyField key={name} label={webhookLabel(i.provider, name)} value={url} description={endpoints.find((e) => e.name === name)?.description} />
        ))}
      </Stack>
      <Group>
        <Button onClick={() => verify.mutate()} loading={verify.isPending} variant="light">
          Verify credentials
        </Button>
        <VerifyBadge result={verify.data ?? i.last_verify} />
        {(verify.data ?? i.last_verify)?.message && (
          <Text size="sm" data-testid="verify-message">
            {(verify.data ?? i.last_verify)?.message}
          </Text>
        )}
      </Group>
      <ErrorAlert error={verify.error} />
      <Title order={2} size="h4">
        Edit
      </Title>
      <AdminOnlyNotice show={!isAdmin} />
      {provider && <ProviderForm key={i.id} provider={provider} existing={i} onSubmit={(v) => save.mutate(v)} pending={save.isPending} error={save.error} disabled={!isAdmin} />}
      {save.isSuccess && <Text c="green">Saved.</Text>}
      <Title order={2} size="h4">
        Delete
      </Title>
      <Button color="red" variant="outline" w="fit-content" onClick={() => setConfirmDelete(true)} disabled={!isAdmin}>
        Delete integration
      </Button>
      <Modal opened={confirmDelete} onClose={() => setConfirmDelete(false)} closeButtonProps={{ 'aria-label': 'Close' }} title={`Delete “${i.name}”?`}>
        <Stack>
          <Text size="sm">
            Messages still queued for it are cancelled (with a recorded reason), sends and sender profiles that name it are refused, and its webhook URLs stop accepting callbacks, so late
            delivery reports for its messages are lost. Messages already sent and their events are kept. The project's default SMS provider cannot be deleted: choose another default first.
          </Text>
          <ErrorAlert error={remove.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirmDelete(false)}>
              Keep it
            </Button>
            <Button color="red" onClick={() => remove.mutate()} loading={remove.isPending}>
              Delete
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Page>
  );
}
