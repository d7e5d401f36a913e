// Project settings > Campaigns: sender profiles per channel (SMS / MMS / RCS / WhatsApp),
// keywords per channel, Mapping > Campaign events, link tracking, quiet hours and the frequency cap.
import { Stack, Switch, Tabs, TextInput, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useSettings } from '../../api/queries';
import { useSession } from '../../api/session';
import type { Settings } from '../../api/types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { AdminOnlyNotice, Loading, Page } from '../../components/Page';
import { KeywordsEditor } from './KeywordsEditor';
import { SenderProfiles } from './SenderProfiles';
import { SendingRules } from './SendingRules';
import { SettingsForm, useSaveSettings } from './SettingsForm';

function Mapping({ settings }: { settings: Settings }) {
  const { isAdmin } = useSession();
  const [names, setNames] = useState(settings.event_names);
  const [tracking, setTracking] = useState(settings.link_tracking);
  useEffect(() => {
    setNames(settings.event_names);
    setTracking(settings.link_tracking);
  }, [settings]);
  const save = useSaveSettings(() => ({ event_names: names, link_tracking: tracking }));
  return (
    <SettingsForm save={save} canSave={isAdmin}>
        <Title order={2} size="h4">
          Mapping › Campaign events
        </Title>
        {(['sms', 'whatsapp', 'rcs'] as const).map((c) => (
          <TextInput key={c} label={`Event name for ${c === 'sms' ? 'SMS and MMS' : c === 'rcs' ? 'RCS' : 'WhatsApp'}`} description="The name delivery events are recorded under" value={names[c] ?? 'campaign'} onChange={(e) => setNames({ ...names, [c]: e.currentTarget.value })} disabled={!isAdmin} />
        ))}
        <Title order={2} size="h4">
          Link tracking
        </Title>
        <Switch label="Shorten and track links in SMS bodies" description="Campaigns and sends may override it" checked={tracking} onChange={(e) => setTracking(e.currentTarget.checked)} disabled={!isAdmin} />
    </SettingsForm>
  );
}

export function CampaignSettings() {
  const { isAdmin } = useSession();
  const settings = useSettings();
  if (settings.isPending) return <Loading what="settings" />;
  return (
    <Page title="Project settings › Campaigns" description="Sender profiles, keywords, event names, link tracking, quiet hours and the frequency cap.">
      <AdminOnlyNotice show={!isAdmin} />
      <ErrorAlert error={settings.error} />
      <Tabs defaultValue="sms" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="sms">SMS</Tabs.Tab>
          <Tabs.Tab value="mms">MMS</Tabs.Tab>
          <Tabs.Tab value="rcs">RCS</Tabs.Tab>
          <Tabs.Tab value="whatsapp">WhatsApp</Tabs.Tab>
          <Tabs.Tab value="mapping">Mapping</Tabs.Tab>
          <Tabs.Tab value="rules">Quiet hours and cap</Tabs.Tab>
        </Tabs.List>
        {(['sms', 'mms', 'rcs', 'whatsapp'] as const).map((c) => (
          <Tabs.Panel key={c} value={c} pt="md">
            <Stack>
              <Title order={2} size="h4">
                Sender profiles
              </Title>
              <SenderProfiles channel={c} />
              {c !== 'mms' && (
                <>
                  <Title order={2} size="h4">
                    Keywords
                  </Title>
                  <KeywordsEditor channel={c} />
                </>
              )}
            </Stack>
          </Tabs.Panel>
        ))}
        <Tabs.Panel value="mapping" pt="md">
          {settings.data && <Mapping settings={settings.data} />}
        </Tabs.Panel>
        <Tabs.Panel value="rules" pt="md">
          {settings.data && <SendingRules settings={settings.data} />}
        </Tabs.Panel>
      </Tabs>
    </Page>
  );
}
