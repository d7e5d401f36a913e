import { Alert, Center, Loader, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';

export function Page({ title, description, actions, children }: { title: string; description?: ReactNode; actions?: ReactNode; children: ReactNode }) {
  return (
    <Stack gap="md">
      <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'flex-start', gap: 12, flexWrap: 'wrap' }}>
        <div>
          <Title order={1} size="h2">
            {title}
          </Title>
          {description && (
            <Text c="dimmed" size="sm">
              {description}
            </Text>
          )}
        </div>
        {actions}
      </div>
      {children}
    </Stack>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <Center p="lg" role="status" aria-live="polite">
      <Loader size="sm" aria-hidden />
      <Text ml="sm">Loading {what}…</Text>
    </Center>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return (
    <Text c="dimmed" p="md" ta="center" data-testid="empty">
      {children}
    </Text>
  );
}

/** Why a control is disabled for a project key: shown beside what it disables. */
export const ADMIN_ONLY = 'Only the admin API key can change this: you are signed in with a project key.';

export function AdminOnlyNotice({ show }: { show: boolean }) {
  if (!show) return null;
  return (
    <Alert color="gray" data-testid="admin-only">
      {ADMIN_ONLY}
    </Alert>
  );
}
