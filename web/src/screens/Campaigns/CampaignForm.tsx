// A new campaign (a draft, or scheduled when it has a send time): name, channel and sender, the
// message in the message editor, the audience with its estimate, the missing-variable policy.
// The hub has no edit of a saved campaign: "Copy into a new draft" opens this form filled from one.
import { Button, Group, NativeSelect, Radio, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useLocation, useSearch } from 'wouter';
import { post } from '../../api/client';
import { enc, pkey, projectPath, useSenderProfiles } from '../../api/queries';
import { useProjectId } from '../../api/session';
import { ErrorAlert, fieldError } from '../../components/ErrorAlert';
import { MessageEditor } from '../../components/MessageEditor';
import { Page } from '../../components/Page';
import { AudienceBuilder } from './AudienceBuilder';
import { audienceJson, emptyAudience, modelFromFilter, type AudienceModel } from './audience';
import { useCampaign } from './queries';
import type { Campaign, MissingVariablePolicy } from './types';

const CHANNELS = [
  { value: 'sms', label: 'SMS' },
  { value: 'whatsapp', label: 'WhatsApp' },
  { value: 'rcs', label: 'RCS' },
];

/** datetime-local (the browser's zone) → ISO 8601 with an offset, as the hub requires. */
export const localToIso = (v: string) => (v ? new Date(v).toISOString() : '');

export function CampaignForm() {
  const pid = useProjectId();
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  const from = new URLSearchParams(useSearch()).get('from');
  const source = useCampaign(from ?? '', !!from);
  const profiles = useSenderProfiles();
  const [name, setName] = useState('');
  const [channel, setChannel] = useState('sms');
  const [profile, setProfile] = useState('');
  const [body, setBody] = useState('');
  const [audience, setAudience] = useState<AudienceModel>(emptyAudience);
  const [policy, setPolicy] = useState<MissingVariablePolicy>('default');
  const [sendAt, setSendAt] = useState('');

  const copied = from ? source.data : undefined;
  useEffect(() => {
    if (!copied) return;
    setName(`${copied.name} (copy)`);
    setChannel(copied.channel);
    setBody(copied.body);
    setPolicy(copied.missing_variable_policy);
    setProfile(copied.sender_profile_id ?? '');
    if (copied.audience.type === 'filter') setAudience(modelFromFilter(copied.audience.filter) ?? emptyAudience());
    else setAudience({ ...emptyAudience(), mode: 'ids' });
  }, [copied]);

  const create = useMutation({
    mutationFn: () =>
      post<Campaign>(projectPath(pid, '/campaigns'), {
        name,
        channel,
        body,
        audience: audienceJson(audience),
        missing_variable_policy: policy,
        ...(profile && { sender_profile_id: profile }),
        ...(sendAt && { send_at: localToIso(sendAt) }),
      }),
    onSuccess: async (c) => {
      await qc.invalidateQueries({ queryKey: pkey(pid, 'campaigns') });
      navigate(`/campaigns/${enc(c.id)}`);
    },
  });
  const channelProfiles = (profiles.data?.data ?? []).filter((p) => p.channel === channel);
  const err = create.error;
  return (
    <Page title="New campaign" description={copied ? `A copy of “${copied.name}”: the hub does not edit a saved campaign, so changes make a new draft.` : 'Saved as a draft you launch from its page, or scheduled when you give it a send time.'}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <Stack maw={760}>
          <TextInput label="Campaign name" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={fieldError(err, 'name')} />
          <Group align="flex-start" wrap="wrap">
            <NativeSelect label="Channel" value={channel} onChange={(e) => setChannel(e.currentTarget.value)} data={CHANNELS} w={160} />
            <NativeSelect
              label="Sender profile"
              value={profile}
              onChange={(e) => setProfile(e.currentTarget.value)}
              data={[{ value: '', label: "The channel's default" }, ...channelProfiles.map((p) => ({ value: p.id, label: p.name }))]}
              w={240}
              error={fieldError(err, 'sender_profile_id')}
            />
          </Group>
          <MessageEditor
            label="Message"
            value={body}
            onChange={setBody}
            error={fieldError(err, 'body')}
          />
          <Text size="xs" c="dimmed">
            Personalise with {'{{ customer.first_name | default: "there" }}'}; once saved, preview it for a customer on the campaign's page.
          </Text>
          <Title order={2} size="h4">
            Audience
          </Title>
          {copied?.audience.type === 'filter' && !modelFromFilter(copied.audience.filter) && (
            <Text size="sm" c="var(--mantine-color-orange-text)">
              The copied filter nests groups this builder does not show: build it again (the original is on its campaign's page).
            </Text>
          )}
          {copied?.audience.type === 'customer_ids' && (
            <Text size="sm" c="var(--mantine-color-orange-text)">
              The hub does not give back a campaign's list of ids: enter them again.
            </Text>
          )}
          <AudienceBuilder value={audience} onChange={setAudience} channel={channel} />
          <Radio.Group label="When a customer lacks a variable the message uses" value={policy} onChange={(v) => setPolicy(v)} error={fieldError(err, 'missing_variable_policy')}>
            <Stack gap={6} mt={6}>
              <Radio value="default" label="Send anyway, the variable left empty (or its default filter)" />
              <Radio value="skip" label="Skip that customer (counted as skipped: missing variable)" />
            </Stack>
          </Radio.Group>
          <TextInput
            type="datetime-local"
            label="Send at"
            description={`Optional, in your time zone (${Intl.DateTimeFormat().resolvedOptions().timeZone}). Empty: a draft you launch by hand.`}
            value={sendAt}
            onChange={(e) => setSendAt(e.currentTarget.value)}
            error={fieldError(err, 'send_at')}
            w={280}
          />
          <ErrorAlert error={err} />
          <Group>
            <Button type="submit" loading={create.isPending}>
              {sendAt ? 'Schedule campaign' : 'Save draft'}
            </Button>
            <Button variant="default" onClick={() => navigate('/campaigns')}>
              Back to campaigns
            </Button>
          </Group>
        </Stack>
      </form>
    </Page>
  );
}
