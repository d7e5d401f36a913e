import { Button, Center, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { signIn } from '../../api/session';
import type { Session } from '../../api/types';
import { ErrorAlert } from '../../components/ErrorAlert';

/** Signing in exchanges the key for an HttpOnly session cookie; the key is not kept in the page. */
export function SignIn({ onSignedIn, problem }: { onSignedIn: (s: Session) => void; problem?: unknown }) {
  const [key, setKey] = useState('');
  const m = useMutation({ mutationFn: () => signIn(key), onSuccess: (s) => onSignedIn(s) });
  return (
    <Center mih="100vh" p="md" component="main">
      <Paper withBorder p="xl" w={420} maw="100%">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            m.mutate();
          }}
        >
          <Stack>
            <Title order={1} size="h3">
              Switchboard console
            </Title>
            <Text size="sm" c="dimmed">
              Sign in with the admin API key or a project key.
            </Text>
            <PasswordInput label="API key" required value={key} onChange={(e) => setKey(e.currentTarget.value)} autoComplete="current-password" autoFocus />
            <ErrorAlert error={m.error ?? problem} />
            <Button type="submit" loading={m.isPending}>
              Sign in
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
