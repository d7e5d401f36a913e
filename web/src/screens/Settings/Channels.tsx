// Project settings > Channels: which integration each channel uses when a send names none, and
// the integrations that take over, in order, while that one's provider is failing.
import { MultiSelect, Select, Stack } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { pkey, useIntegrations, useSettings } from '../../api/queries';
import { useProjectId, useSession } from '../../api/session';
import type { FailoverChannel } from '../../api/types';
import { ErrorAlert, fieldError, fieldErrorUnder } from '../../components/ErrorAlert';
import { AdminOnlyNotice, Loading, Page } from '../../components/Page';
import { SettingsForm, useSaveSettings } from './SettingsForm';

const FIELDS = [
  { key: 'default_sms_integration_id', label: 'Default SMS Provider', channel: 'sms', help: 'Used for SMS and MMS sends that name no integration or sender profile.' },
  { key: 'default_rcs_integration_id', label: 'RCS provider integration', channel: 'rcs', help: 'The Sinch Mobile Messaging integration RCS messages go through.' },
  { key: 'default_whatsapp_integration_id', label: 'WhatsApp messaging integration', channel: 'whatsapp', help: 'The integration WhatsApp messages go through.' },
] as const;

type Key = (typeof FIELDS)[number]['key'];

export function Channels() {
  const pid = useProjectId();
  const { isAdmin } = useSession();
  const settings = useSettings();
  const integrations = useIntegrations();
  const qc = useQueryClient();
  const [values, setValues] = useState<Partial<Record<Key, string | null>>>({});
  const [failover, setFailover] = useState<Record<FailoverChannel, string[]>>({ sms: [], whatsapp: [], rcs: [] });
  useEffect(() => {
    if (!settings.data) return;
    setValues(Object.fromEntries(FIELDS.map((f) => [f.key, settings.data[f.key]])));
    const stored = settings.data.failover ?? {};
    setFailover({ sms: stored.sms ?? [], whatsapp: stored.whatsapp ?? [], rcs: stored.rcs ?? [] });
  }, [settings.data]);
  // The integrations list shows which channel each is the default for.
  const save = useSaveSettings(() => ({ ...values, failover }), () => void qc.invalidateQueries({ queryKey: pkey(pid, 'integrations') }));
  if (settings.isPending || integrations.isPending) return <Loading what="settings" />;
  const sending = (channel: FailoverChannel) => (integrations.data?.data ?? []).filter((i) => i.channels.includes(channel)).map((i) => ({ value: i.id, label: i.name }));
  return (
    <Page title="Project settings › Channels" description="The integration each channel uses by default, and the ones that take over while its provider is failing.">
      <AdminOnlyNotice show={!isAdmin} />
      <ErrorAlert error={settings.error ?? integrations.error} />
      <SettingsForm save={save} canSave={isAdmin}>
        {FIELDS.map((f) => (
          <Stack key={f.key} gap="xs">
            <Select
              label={f.label}
              description={f.help}
              placeholder="None"
              clearable
              disabled={!isAdmin}
              data={sending(f.channel)}
              value={values[f.key] ?? null}
              onChange={(v) => setValues({ ...values, [f.key]: v })}
              error={fieldError(save.error, f.key)}
            />
            <MultiSelect
              label={`Failover for ${f.channel === 'sms' ? 'SMS and MMS' : f.channel === 'rcs' ? 'RCS' : 'WhatsApp'}`}
              description="While the default's provider is failing, messages go to these, in the order picked (remove and pick again to reorder)."
              placeholder={failover[f.channel].length ? undefined : 'None'}
              clearable
              disabled={!isAdmin}
              data={sending(f.channel).filter((o) => o.value !== values[f.key])}
              value={failover[f.channel]}
              onChange={(v) => setFailover({ ...failover, [f.channel]: v })}
              error={fieldErrorUnder(save.error, `failover.${f.channel}`)}
            />
          </Stack>
        ))}
      </SettingsForm>
    </Page>
  );
}
