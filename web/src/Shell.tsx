// The frame around every screen: header (project, who is signed in, sign out) and navigation.
import { AppShell, Badge, Burger, Button, Group, NavLink, ScrollArea, Select, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import type { ReactNode } from 'react';
import { Link, useLocation } from 'wouter';
import { useSession } from './api/session';

const NAV: { href: string; label: string; adminOnly?: boolean }[] = [
  { href: '/integrations', label: 'Integrations' },
  { href: '/settings/channels', label: 'Project settings › Channels' },
  { href: '/settings/campaigns', label: 'Project settings › Campaigns' },
  { href: '/customers', label: 'Customers' },
  { href: '/campaigns', label: 'Campaigns' },
  { href: '/messages', label: 'Messages' },
  { href: '/direct-send', label: 'Direct-send receipts' },
  { href: '/api-keys', label: 'API keys', adminOnly: true },
  { href: '/health', label: 'Health' },
];

export function Shell({ children }: { children: ReactNode }) {
  const [opened, { toggle, close }] = useDisclosure();
  const [location] = useLocation();
  const { session, isAdmin, projects, projectId, setProjectId, signOut } = useSession();
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 250, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <Text fw={700} visibleFrom="xs">
              Switchboard
            </Text>
            {isAdmin && projects.length > 0 && (
              <Select aria-label="Project" data={projects.map((p) => ({ value: p.id, label: p.name }))} value={projectId} onChange={(v) => v && setProjectId(v)} allowDeselect={false} w={{ base: 130, sm: 180 }} size="xs" />
            )}
          </Group>
          <Group gap="xs" wrap="nowrap">
            <Badge variant="light" color={isAdmin ? 'violet' : 'blue'} data-testid="role" visibleFrom="sm">
              {session.role === 'admin' ? 'admin key' : 'project key'}
            </Badge>
            <Button size="xs" variant="default" onClick={() => void signOut()} style={{ flexShrink: 0 }}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label="Screens">
        <ScrollArea>
          {NAV.filter((n) => isAdmin || !n.adminOnly).map((n) => (
            <NavLink key={n.href} component={Link} href={n.href} label={n.label} variant="filled" active={location === n.href || location.startsWith(`${n.href}/`)} onClick={close} />
          ))}
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main component="main">{children}</AppShell.Main>
    </AppShell>
  );
}
