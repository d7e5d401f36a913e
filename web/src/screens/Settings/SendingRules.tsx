// Project settings › Campaigns › Quiet hours and frequency cap (docs/scheduling.md): campaign
// messages due in the recipient's quiet hours wait for their end; a customer at the cap is skipped.
import { Group, NativeSelect, NumberInput, Switch, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useSession } from '../../api/session';
import type { FrequencyCap, QuietHours, Settings } from '../../api/types';
import { fieldError } from '../../components/ErrorAlert';
import { SettingsForm, useSaveSettings } from './SettingsForm';

const DEFAULT_QUIET: QuietHours = { start: '21:00', end: '08:00', timezone_attribute: 'timezone', default_timezone: 'UTC' };
const DEFAULT_CAP: FrequencyCap = { max: 3, per: 'week' };

export function SendingRules({ settings }: { settings: Settings }) {
  const { isAdmin } = useSession();
  const [quietOn, setQuietOn] = useState(!!settings.quiet_hours);
  const [quiet, setQuiet] = useState<QuietHours>(settings.quiet_hours ?? DEFAULT_QUIET);
  const [capOn, setCapOn] = useState(!!settings.frequency_cap);
  const [cap, setCap] = useState<FrequencyCap>(settings.frequency_cap ?? DEFAULT_CAP);
  useEffect(() => {
    setQuietOn(!!settings.quiet_hours);
    setQuiet(settings.quiet_hours ?? DEFAULT_QUIET);
    setCapOn(!!settings.frequency_cap);
    setCap(settings.frequency_cap ?? DEFAULT_CAP);
  }, [settings]);
  const save = useSaveSettings(() => ({ quiet_hours: quietOn ? quiet : null, frequency_cap: capOn ? cap : null }));
  const err = save.error;
  return (
    <SettingsForm save={save} canSave={isAdmin} maw={560}>
        <Title order={2} size="h4">
          Quiet hours
        </Title>
        <Switch label="Hold campaign messages during the recipient's quiet hours" description="They are queued for the first minute after the window, in the recipient's local time. Transactional sends are not affected." checked={quietOn} onChange={(e) => setQuietOn(e.currentTarget.checked)} disabled={!isAdmin} />
        {quietOn && (
          <>
            <Group wrap="wrap">
              <TextInput type="time" label="Quiet from" description="24-hour, local time" value={quiet.start} onChange={(e) => setQuiet({ ...quiet, start: e.currentTarget.value })} disabled={!isAdmin} error={fieldError(err, 'quiet_hours.start')} w={150} />
              <TextInput type="time" label="Quiet until" description="Earlier: across midnight" value={quiet.end} onChange={(e) => setQuiet({ ...quiet, end: e.currentTarget.value })} disabled={!isAdmin} error={fieldError(err, 'quiet_hours.end')} w={170} />
            </Group>
            <TextInput label="Time zone attribute" description="The customer attribute holding their IANA time zone (else their phone's country decides)" value={quiet.timezone_attribute} onChange={(e) => setQuiet({ ...quiet, timezone_attribute: e.currentTarget.value })} disabled={!isAdmin} error={fieldError(err, 'quiet_hours.timezone_attribute')} />
            <TextInput label="Default time zone" description="For a customer with neither, e.g. Europe/Paris" value={quiet.default_timezone} onChange={(e) => setQuiet({ ...quiet, default_timezone: e.currentTarget.value })} disabled={!isAdmin} error={fieldError(err, 'quiet_hours.default_timezone')} />
          </>
        )}
        <Title order={2} size="h4">
          Frequency cap
        </Title>
        <Switch label="Limit campaign messages per customer" description="A customer who already had that many campaign messages in the window is skipped at launch." checked={capOn} onChange={(e) => setCapOn(e.currentTarget.checked)} disabled={!isAdmin} />
        {capOn && (
          <Group wrap="wrap" align="flex-start">
            <NumberInput label="At most" min={1} max={1000} allowDecimal={false} value={cap.max} onChange={(v) => setCap({ ...cap, max: typeof v === 'number' ? v : Number(v) || 1 })} disabled={!isAdmin} error={fieldError(err, 'frequency_cap.max')} w={120} />
            <NativeSelect
              label="Messages per"
              value={cap.per}
              onChange={(e) => setCap({ ...cap, per: e.currentTarget.value as FrequencyCap['per'] })}
              data={[
                { value: 'day', label: 'rolling 24 hours' },
                { value: 'week', label: 'rolling 7 days' },
              ]}
              disabled={!isAdmin}
              w={180}
            />
          </Group>
        )}
        <Text size="xs" c="dimmed">
          Both apply when a campaign launches, not to campaigns already launched.
        </Text>
    </SettingsForm>
  );
}
