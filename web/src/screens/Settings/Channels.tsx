// Project settings > Channels: which integration each channel uses when a send names none.
import { Select } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { pkey, useIntegrations, useSettings } from '../../api/queries';
import { useProjectId, useSession } from '../../api/session';
import { ErrorAlert, fieldError } from '../../components/ErrorAlert';
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
  useEffect(() => {
    if (settings.data) setValues(Object.fromEntries(FIELDS.map((f) => [f.key, settings.data[f.key]])));
  }, [settings.data]);
  // The integrations list shows which channel each is the default for.
  const save = useSaveSettings(() => values, () => void qc.invalidateQueries({ queryKey: pkey(pid, 'integrations') }));
  if (settings.isPending || integrations.isPending) return <Loading what="settings" />;
  return (
    <Page title="Project settings › Channels" description="The integration each channel uses by default.">
      <AdminOnlyNotice show={!isAdmin} />
      <ErrorAlert error={settings.error ?? integrations.error} />
      <SettingsForm save={save} canSave={isAdmin}>
          {FIELDS.map((f) => (
            <Select
              key={f.key}
              label={f.label}
              description={f.help}
              placeholder="None"
              clearable
              disabled={!isAdmin}
              data={(integrations.data?.data ?? []).filter((i) => i.channels.includes(f.channel)).map((i) => ({ value: i.id, label: i.name }))}
              value={values[f.key] ?? null}
              onChange={(v) => setValues({ ...values, [f.key]: v })}
              error={fieldError(save.error, f.key)}
            />
          ))}
      </SettingsForm>
    </Page>
  );
}
