// API keys (admin): issue a project key (shown once), list and revoke.
import { Alert, Button, Group, Table, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { del, get, post } from '../../api/client';
import { enc, pkey, projectPath } from '../../api/queries';
import { useProjectId, useSession } from '../../api/session';
import type { ApiKey } from '../../api/types';
import { CopyField } from '../../components/CopyField';
import { ErrorAlert, fieldError } from '../../components/ErrorAlert';
import { ListTable } from '../../components/ListTable';
import { AdminOnlyNotice, Page } from '../../components/Page';

export function ApiKeys() {
  const pid = useProjectId();
  const { isAdmin } = useSession();
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const keys = useQuery({ queryKey: pkey(pid, 'api-keys'), queryFn: () => get<{ data: ApiKey[] }>(projectPath(pid, '/api-keys')), enabled: isAdmin });
  const refresh = () => qc.invalidateQueries({ queryKey: pkey(pid, 'api-keys') });
  const create = useMutation({ mutationFn: () => post<ApiKey & { key: string }>(projectPath(pid, '/api-keys'), { name }), onSuccess: refresh });
  const revoke = useMutation({ mutationFn: (id: string) => del(projectPath(pid, `/api-keys/${enc(id)}`)), onSuccess: refresh });
  return (
    <Page title="API keys" description="Project keys act within this project and cannot change integrations or settings.">
      <AdminOnlyNotice show={!isAdmin} />
      {isAdmin && (
        <>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              create.mutate();
            }}
          >
            <Group align="flex-end">
              <TextInput label="Key name" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={fieldError(create.error, 'name')} />
              <Button type="submit" loading={create.isPending}>
                Create key
              </Button>
            </Group>
          </form>
          <ErrorAlert error={create.error} />
          {create.data && (
            <Alert color="yellow" title="Copy this key now: it is shown only once">
              <CopyField label={`New key “${create.data.name}”`} value={create.data.key} />
            </Alert>
          )}
          <ErrorAlert error={keys.error ?? revoke.error} />
          <ListTable
            label="API keys"
            what="keys"
            minWidth={480}
            loading={keys.isPending}
            rows={keys.data?.data}
            empty="No project keys yet."
            columns={['Name', 'Created', 'State', { hidden: 'Actions' }]}
            row={(k) => (
              <Table.Tr key={k.id}>
                <Table.Td>{k.name}</Table.Td>
                <Table.Td>{new Date(k.created_at).toLocaleString()}</Table.Td>
                <Table.Td>{k.revoked_at ? `revoked ${new Date(k.revoked_at).toLocaleString()}` : 'active'}</Table.Td>
                <Table.Td>
                  {!k.revoked_at && (
                    <Button size="xs" color="red" variant="subtle" onClick={() => revoke.mutate(k.id)} aria-label={`Revoke key ${k.name}`}>
                      Revoke
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            )}
          />
        </>
      )}
    </Page>
  );
}
