// A campaign's form: new (a draft, or scheduled when it has a send time), a copy of another
// (?from=), or an edit of a draft or scheduled one (PATCH …/campaigns/{cid}, the same fields).
// Name, channel and sender, the message (ContentFields), the audience with its estimate, the
// channel fallback (FallbackFields), the missing-variable policy and the send time.
import { Button, Checkbox, Group, NativeSelect, Radio, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { patch, post } from '../../api/client';
import { enc, pkey, projectPath, useSenderProfiles } from '../../api/queries';
import { useProjectId } from '../../api/session';
import { ErrorAlert, fieldError } from '../../components/ErrorAlert';
import { Loading, Page } from '../../components/Page';
import { AudienceBuilder } from './AudienceBuilder';
import { modelFromFilter } from './audience';
import { campaignRequest, emptyCampaign, isChannel, modelFromCampaign, takesContent, type CampaignModel } from './campaign-model';
import { ContentFields } from './ContentFields';
import { FallbackFields } from './FallbackFields';
import { campaignKey, campaignPath, isEditable, useCampaign } from './queries';
import type { Campaign } from './types';

const CHANNELS = [
  { value: 'sms', label: 'SMS' },
  { value: 'mms', label: 'MMS' },
  { value: 'whatsapp', label: 'WhatsApp' },
  { value: 'rcs', label: 'RCS' },
];

function keptAudience(c: Campaign): string {
  return c.audience.type === 'customer_ids' ? `Keep its list of ${c.audience_size} customer ids` : 'Keep its filter (shown on its page; this builder cannot show its nested groups)';
}

/** `editId`: the campaign to edit; without it a new one, filled from ?from= when given. */
export function CampaignForm({ editId }: { editId?: string }) {
  const pid = useProjectId();
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  const from = new URLSearchParams(useSearch()).get('from');
  const sourceId = editId ?? from ?? '';
  const source = useCampaign(sourceId, !!sourceId);
  const profiles = useSenderProfiles();
  const [m, setM] = useState<CampaignModel>(emptyCampaign);
  const [loaded, setLoaded] = useState<Campaign | null>(null);

  const c = sourceId ? source.data : undefined;
  useEffect(() => {
    // Filled once from the campaign: a refetch must not undo what is being typed.
    if (!c || loaded?.id === c.id) return;
    setM(modelFromCampaign(c, !editId));
    setLoaded(c);
  }, [c, editId, loaded]);

  const save = useMutation({
    mutationFn: () =>
      editId
        ? patch<Campaign>(campaignPath(pid, editId), campaignRequest(m, { sendAt: loaded ? modelFromCampaign(loaded).sendAt : '' }))
        : post<Campaign>(projectPath(pid, '/campaigns'), campaignRequest(m, null)),
    onSuccess: async (saved) => {
      await Promise.all([qc.invalidateQueries({ queryKey: pkey(pid, 'campaigns') }), qc.invalidateQueries({ queryKey: campaignKey(pid, saved.id) })]);
      navigate(`/campaigns/${enc(saved.id)}`);
    },
  });
  const set = (patchModel: Partial<CampaignModel>) => setM((prev) => ({ ...prev, ...patchModel }));

  if (sourceId && source.isPending) return <Loading what="the campaign" />;
  if (sourceId && !c) return <ErrorAlert error={source.error} />;
  if (editId && c && !isEditable(c.state)) {
    return (
      <Page title="Edit campaign" description={c.name}>
        <Text>
          This campaign is {c.state}: only a draft or a scheduled campaign can be edited. <Link href={`/campaigns/new?from=${enc(c.id)}`}>Copy it into a new draft</Link> instead.
        </Text>
      </Page>
    );
  }

  const channelProfiles = (profiles.data?.data ?? []).filter((p) => p.channel === m.channel);
  const err = save.error;
  const canKeep = !!editId && !!loaded && modelFromCampaign(loaded).keepAudience;
  const description = editId
    ? `${c?.state === 'scheduled' ? 'Scheduled' : 'A draft'}: changes apply to what it will send. Clear the send time to make it a draft again.`
    : c
      ? `A copy of “${c.name}”, saved as a new draft.`
      : 'Saved as a draft you launch from its page, or scheduled when you give it a send time.';
  return (
    <Page title={editId ? `Edit “${c?.name ?? ''}”` : 'New campaign'} description={description}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <Stack maw={760}>
          <TextInput label="Campaign name" required value={m.name} onChange={(e) => set({ name: e.currentTarget.value })} error={fieldError(err, 'name')} />
          <Group align="flex-start" wrap="wrap">
            <NativeSelect
              label="Channel"
              value={m.channel}
              onChange={(e) => {
                const channel = e.currentTarget.value;
                if (isChannel(channel)) set({ channel, kind: takesContent(channel) ? m.kind : 'text', profile: '' });
              }}
              data={CHANNELS}
              w={160}
              error={fieldError(err, 'channel')}
            />
            <NativeSelect
              label="Sender profile"
              value={m.profile}
              onChange={(e) => set({ profile: e.currentTarget.value })}
              data={[{ value: '', label: "The channel's default" }, ...channelProfiles.map((p) => ({ value: p.id, label: p.name }))]}
              w={240}
              maw="100%"
              error={fieldError(err, 'sender_profile_id') ?? fieldError(err, 'integration_id')}
            />
          </Group>
          <ContentFields m={m} onChange={setM} error={err} />
          <FallbackFields m={m} onChange={set} error={err} />
          <Title order={2} size="h4">
            Audience
          </Title>
          {!editId && c?.audience.type === 'filter' && !modelFromFilter(c.audience.filter) && (
            <Text size="sm" c="var(--mantine-color-orange-text)">
              The copied filter nests groups this builder does not show: build it again (the original is on its campaign's page).
            </Text>
          )}
          {!editId && c?.audience.type === 'customer_ids' && (
            <Text size="sm" c="var(--mantine-color-orange-text)">
              The hub does not give back a campaign's list of ids: enter them again.
            </Text>
          )}
          {canKeep && loaded && <Checkbox label={keptAudience(loaded)} checked={m.keepAudience} onChange={(e) => set({ keepAudience: e.currentTarget.checked })} />}
          {!(canKeep && m.keepAudience) && <AudienceBuilder value={m.audience} onChange={(audience) => set({ audience })} channel={m.channel} />}
          <Radio.Group label="When a customer lacks a variable the message uses" value={m.policy} onChange={(v) => set({ policy: v === 'skip' ? 'skip' : 'default' })} error={fieldError(err, 'missing_variable_policy')}>
            <Stack gap={6} mt={6}>
              <Radio value="default" label="Send anyway, the variable left empty (or its default filter)" />
              <Radio value="skip" label="Skip that customer (counted as skipped: missing variable)" />
            </Stack>
          </Radio.Group>
          <TextInput
            type="datetime-local"
            label="Send at"
            description={`Optional, in your time zone (${Intl.DateTimeFormat().resolvedOptions().timeZone}). Empty: a draft you launch by hand.`}
            value={m.sendAt}
            onChange={(e) => set({ sendAt: e.currentTarget.value })}
            error={fieldError(err, 'send_at')}
            w={280}
            maw="100%"
          />
          <ErrorAlert error={err} />
          <Group>
            <Button type="submit" loading={save.isPending}>
              {editId ? 'Save changes' : m.sendAt ? 'Schedule campaign' : 'Save draft'}
            </Button>
            <Button variant="default" onClick={() => navigate(editId ? `/campaigns/${enc(editId)}` : '/campaigns')}>
              {editId ? 'Back to the campaign' : 'Back to campaigns'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Page>
  );
}
