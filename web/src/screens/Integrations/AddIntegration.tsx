import { Badge, Card, Group, SimpleGrid, Text, TextInput, UnstyledButton } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useLocation } from 'wouter';
import { post } from '../../api/client';
import { pkey, projectPath, useProviders } from '../../api/queries';
import { useProjectId, useSession } from '../../api/session';
import type { Integration, Provider } from '../../api/types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { AdminOnlyNotice, Empty, Loading, Page } from '../../components/Page';
import { ProviderForm, type IntegrationInput } from './ProviderForm';

/** Matches a search against a provider's name, type and channels. */
export function matches(p: Provider, q: string): boolean {
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  const hay = `${p.display_name} ${p.type} ${p.channels.join(' ')}`.toLowerCase();
  return words.every((w) => hay.includes(w));
}

export function AddIntegration() {
  const pid = useProjectId();
  const { isAdmin } = useSession();
  const providers = useProviders();
  const [query, setQuery] = useState('');
  const [chosen, setChosen] = useState<Provider | null>(null);
  const [, navigate] = useLocation();
  const qc = useQueryClient();
  const create = useMutation({
    mutationFn: (input: IntegrationInput) => post<Integration>(projectPath(pid, '/integrations'), input),
    onSuccess: async (i) => {
      await qc.invalidateQueries({ queryKey: pkey(pid, 'integrations') });
      navigate(`/integrations/${i.id}?created=1`);
    },
  });
  const list = (providers.data?.data ?? []).filter((p) => matches(p, query));
  return (
    <Page title="Add new integration" description="Search the providers this hub knows, then fill in the account's details.">
      <AdminOnlyNotice show={!isAdmin} />
      <ErrorAlert error={providers.error} />
      {chosen ? (
        <>
          <Group>
            <Text fw={600}>{chosen.display_name}</Text>
            <UnstyledButton onClick={() => setChosen(null)} c="blue" fz="sm">
              Choose another provider
            </UnstyledButton>
          </Group>
          <ProviderForm provider={chosen} onSubmit={(i) => create.mutate(i)} pending={create.isPending} error={create.error} disabled={!isAdmin} />
        </>
      ) : (
        <>
          <TextInput label="Search providers" placeholder="e.g. Sinch Mobile Messaging" value={query} onChange={(e) => setQuery(e.currentTarget.value)} maw={480} autoFocus />
          {providers.isPending ? (
            <Loading what="providers" />
          ) : list.length === 0 ? (
            <Empty>No provider matches “{query}”.</Empty>
          ) : (
            <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
              {list.map((p) => (
                <Card key={p.type} withBorder component="button" type="button" onClick={() => setChosen(p)} style={{ textAlign: 'left', cursor: 'pointer' }} aria-label={`Choose ${p.display_name}`}>
                  <Text fw={600}>{p.display_name}</Text>
                  <Group gap={4} mt={6}>
                    {p.channels.map((c) => (
                      <Badge key={c} variant="light">
                        {c}
                      </Badge>
                    ))}
                  </Group>
                </Card>
              ))}
            </SimpleGrid>
          )}
        </>
      )}
    </Page>
  );
}
