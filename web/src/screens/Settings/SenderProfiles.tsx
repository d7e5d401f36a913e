// Sender profiles of one channel: which integration and sender its messages go out with.
import { Button, Checkbox, Group, Select, Stack, Table, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { del, post } from '../../api/client';
import { enc, pkey, projectPath, useIntegrations, useSenderProfiles } from '../../api/queries';
import { useProjectId, useSession } from '../../api/session';
import { ErrorAlert, fieldError } from '../../components/ErrorAlert';
import { ListTable } from '../../components/ListTable';

export function SenderProfiles({ channel }: { channel: string }) {
  const pid = useProjectId();
  const { isAdmin } = useSession();
  const profiles = useSenderProfiles();
  const integrations = useIntegrations();
  const qc = useQueryClient();
  const [form, setForm] = useState({ name: '', integration_id: '', sender: '', is_default: false });
  const refresh = () => qc.invalidateQueries({ queryKey: pkey(pid, 'sender-profiles') });
  const create = useMutation({
    mutationFn: () => post(projectPath(pid, '/sender-profiles'), { channel, name: form.name, integration_id: form.integration_id, sender: form.sender || null, is_default: form.is_default }),
    onSuccess: async () => {
      setForm({ name: '', integration_id: '', sender: '', is_default: false });
      await refresh();
    },
  });
  const remove = useMutation({ mutationFn: (id: string) => del(projectPath(pid, `/sender-profiles/${enc(id)}`)), onSuccess: refresh });
  const mine = (profiles.data?.data ?? []).filter((p) => p.channel === channel);
  const nameOf = (id: string) => integrations.data?.data.find((i) => i.id === id)?.name ?? id;
  const usable = (integrations.data?.data ?? []).filter((i) => i.channels.includes(channel));
  return (
    <Stack>
      <ErrorAlert error={profiles.error ?? remove.error} />
      <ListTable
        label="Sender profiles"
        minWidth={520}
        rows={mine}
        empty={`No ${channel.toUpperCase()} sender profiles: sends use the channel's default integration and sender.`}
        columns={['Name', 'Integration', 'Sender', 'Default', { hidden: 'Actions' }]}
        row={(p) => (
          <Table.Tr key={p.id}>
            <Table.Td>{p.name}</Table.Td>
            <Table.Td>{nameOf(p.integration_id)}</Table.Td>
            <Table.Td>{p.sender ?? 'provider default'}</Table.Td>
            <Table.Td>{p.is_default ? 'yes' : ''}</Table.Td>
            <Table.Td>
              <Button size="xs" variant="subtle" color="red" disabled={!isAdmin} onClick={() => remove.mutate(p.id)} aria-label={`Remove sender profile ${p.name}`}>
                Remove
              </Button>
            </Table.Td>
          </Table.Tr>
        )}
      />
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <Group align="flex-end" wrap="wrap">
          <TextInput label="Profile name" required value={form.name} onChange={(e) => setForm({ ...form, name: e.currentTarget.value })} disabled={!isAdmin} error={fieldError(create.error, 'name')} />
          <Select label="Integration" required data={usable.map((i) => ({ value: i.id, label: i.name }))} value={form.integration_id || null} onChange={(v) => setForm({ ...form, integration_id: v ?? '' })} disabled={!isAdmin} error={fieldError(create.error, 'integration_id')} />
          <TextInput label="Sender" description="Number, short code or alphanumeric id" value={form.sender} onChange={(e) => setForm({ ...form, sender: e.currentTarget.value })} disabled={!isAdmin} error={fieldError(create.error, 'sender')} />
          <Checkbox label="Channel default" checked={form.is_default} onChange={(e) => setForm({ ...form, is_default: e.currentTarget.checked })} disabled={!isAdmin} mb={8} />
          <Button type="submit" disabled={!isAdmin} loading={create.isPending}>
            Add sender profile
          </Button>
        </Group>
      </form>
      <ErrorAlert error={create.error} />
    </Stack>
  );
}
