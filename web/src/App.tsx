import { Button, Center, Stack, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Redirect, Route, Switch } from 'wouter';
import { ApiError, get, post } from './api/client';
import { SessionProvider, useSession } from './api/session';
import type { Session } from './api/types';
import { ErrorAlert } from './components/ErrorAlert';
import { Empty, Loading, Page } from './components/Page';
import { ApiKeys } from './screens/ApiKeys/ApiKeys';
import { CampaignForm } from './screens/Campaigns/CampaignForm';
import { CampaignPage } from './screens/Campaigns/CampaignPage';
import { CampaignsList } from './screens/Campaigns/CampaignsList';
import { CustomerProfile } from './screens/Customers/CustomerProfile';
import { CustomerSearch } from './screens/Customers/CustomerSearch';
import { DirectSend } from './screens/DirectSend/DirectSend';
import { Health } from './screens/Health/Health';
import { AddIntegration } from './screens/Integrations/AddIntegration';
import { IntegrationDetail } from './screens/Integrations/IntegrationDetail';
import { IntegrationsList } from './screens/Integrations/IntegrationsList';
import { MessageDetail } from './screens/Messages/MessageDetail';
import { MessagesLog } from './screens/Messages/MessagesLog';
import { CampaignSettings } from './screens/Settings/CampaignSettings';
import { Channels } from './screens/Settings/Channels';
import { SignIn } from './screens/SignIn/SignIn';
import { Shell } from './Shell';

function FirstProject() {
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const create = useMutation({ mutationFn: () => post('/projects', { name }), onSuccess: () => qc.invalidateQueries({ queryKey: ['projects'] }) });
  return (
    <Page title="No project yet" description="Projects hold integrations, customers and messages. Create the first one.">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <Stack maw={360}>
          <TextInput label="Project name" required value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <ErrorAlert error={create.error} />
          <Button type="submit" loading={create.isPending} w="fit-content">
            Create project
          </Button>
        </Stack>
      </form>
    </Page>
  );
}

function Screens() {
  const { projectId, projects, isAdmin } = useSession();
  const projectsLoaded = projects.length > 0 || !isAdmin;
  if (!projectId) return projectsLoaded || isAdmin ? <FirstProject /> : <Loading what="projects" />;
  return (
    <Switch key={projectId}>
      <Route path="/">
        <Redirect to="/integrations" />
      </Route>
      <Route path="/integrations" component={IntegrationsList} />
      <Route path="/integrations/new" component={AddIntegration} />
      <Route path="/integrations/:id">{(p) => <IntegrationDetail id={p.id} />}</Route>
      <Route path="/settings/channels" component={Channels} />
      <Route path="/settings/campaigns" component={CampaignSettings} />
      <Route path="/customers" component={CustomerSearch} />
      <Route path="/customers/:id">{(p) => <CustomerProfile customerId={decodeURIComponent(p.id)} />}</Route>
      <Route path="/campaigns" component={CampaignsList} />
      <Route path="/campaigns/new">{() => <CampaignForm />}</Route>
      <Route path="/campaigns/:id/edit">{(p) => <CampaignForm editId={decodeURIComponent(p.id)} />}</Route>
      <Route path="/campaigns/:id">{(p) => <CampaignPage id={decodeURIComponent(p.id)} />}</Route>
      <Route path="/messages" component={MessagesLog} />
      <Route path="/messages/:id">{(p) => <MessageDetail id={p.id} />}</Route>
      <Route path="/direct-send" component={DirectSend} />
      <Route path="/api-keys" component={ApiKeys} />
      <Route path="/health" component={Health} />
      <Route>
        <Page title="Not found">
          <Empty>This page does not exist in the console.</Empty>
        </Page>
      </Route>
    </Switch>
  );
}

export function App() {
  const qc = useQueryClient();
  const session = useQuery({ queryKey: ['session'], queryFn: () => get<Session>('/session'), retry: false });
  if (session.isPending) {
    return (
      <Center mih="100vh">
        <Loading what="the console" />
      </Center>
    );
  }
  if (!session.data) {
    const signedOut = session.error instanceof ApiError && session.error.status === 401;
    return <SignIn problem={signedOut ? undefined : session.error} onSignedIn={(s) => qc.setQueryData(['session'], s)} />;
  }
  return (
    <SessionProvider session={session.data}>
      <Shell>
        <Screens />
      </Shell>
    </SessionProvider>
  );
}

export function Fatal({ error }: { error: unknown }) {
  return (
    <Center mih="100vh" p="md">
      <Stack>
        <Title order={1} size="h3">
          Something went wrong in the console
        </Title>
        <ErrorAlert error={error} />
        <Button onClick={() => window.location.reload()} w="fit-content">
          Reload
        </Button>
      </Stack>
    </Center>
  );
}
