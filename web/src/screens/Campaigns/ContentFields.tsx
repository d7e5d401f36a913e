// What a campaign sends, per channel: SMS/MMS a text in the message editor (MMS with its media
// URLs); WhatsApp/RCS a text, or a template whose parameters take the same Liquid variables as a
// body; and whether links are tracked.
import { ActionIcon, Button, Fieldset, Group, NativeSelect, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { SegmentedField } from '../../components/SegmentedField';
import { fieldError, fieldErrorUnder } from '../../components/ErrorAlert';
import { MessageEditor } from '../../components/MessageEditor';
import { useSettings } from '../../api/queries';
import { mediaUrls, takesContent, type CampaignModel, type TemplateParameter, type TrackLinks } from './campaign-model';

const VARIABLES_HINT = 'Personalise with {{ customer.first_name | default: "there" }} or any attribute as {{ customer.<attribute> }}';

function TemplateFields({ m, set, error }: { m: CampaignModel; set: (t: CampaignModel['template']) => void; error: unknown }) {
  const t = m.template;
  const param = (i: number, p: TemplateParameter) => set({ ...t, parameters: t.parameters.map((x, j) => (j === i ? p : x)) });
  return (
    <Fieldset legend="Template" p="sm">
      <Stack gap="xs">
        <Group align="flex-start" wrap="wrap" gap="xs">
          <NativeSelect
            label="Template kind"
            value={t.scope}
            onChange={(e) => set({ ...t, scope: e.currentTarget.value as typeof t.scope })}
            data={[
              { value: 'channel', label: "The channel's own (WhatsApp: approved name)" },
              { value: 'omni', label: 'Conversation API template (id)' },
            ]}
            w={300}
          />
          <TextInput
            label={t.scope === 'channel' ? 'Template name' : 'Template id'}
            required
            value={t.template_id}
            onChange={(e) => set({ ...t, template_id: e.currentTarget.value })}
            error={fieldError(error, 'content.template_id')}
            w={220}
          />
          <TextInput label="Language code" placeholder="en_US" value={t.language_code} onChange={(e) => set({ ...t, language_code: e.currentTarget.value })} error={fieldError(error, 'content.language_code')} w={130} />
          {t.scope === 'omni' && <TextInput label="Version" placeholder="latest" value={t.version} onChange={(e) => set({ ...t, version: e.currentTarget.value })} error={fieldError(error, 'content.version')} w={110} />}
        </Group>
        <Text size="xs" c="dimmed">
          Parameter values are rendered for each customer like a message: {VARIABLES_HINT}.
        </Text>
        {t.parameters.map((p, i) => (
          <Group key={i} align="flex-end" gap="xs" wrap="wrap" data-testid="template-parameter">
            <TextInput label={`Parameter ${i + 1} name`} value={p.name} onChange={(e) => param(i, { ...p, name: e.currentTarget.value })} w={160} />
            <TextInput
              label={`Parameter ${i + 1} value`}
              placeholder="{{ customer.first_name }}"
              value={p.value}
              onChange={(e) => param(i, { ...p, value: e.currentTarget.value })}
              error={p.name.trim() ? fieldError(error, `content.parameters.${p.name.trim()}`) : undefined}
              style={{ flex: 1, minWidth: 180 }}
            />
            <ActionIcon variant="subtle" color="red" size="lg" onClick={() => set({ ...t, parameters: t.parameters.filter((_, j) => j !== i) })} aria-label={`Remove parameter ${i + 1}`}>
              ✕
            </ActionIcon>
          </Group>
        ))}
        <Button variant="light" w="fit-content" onClick={() => set({ ...t, parameters: [...t.parameters, { name: '', value: '' }] })}>
          + Add parameter
        </Button>
        {fieldErrorUnder(error, 'content') && !fieldError(error, 'content.template_id') && (
          <Text size="sm" c="red" role="alert">
            {fieldErrorUnder(error, 'content')}
          </Text>
        )}
      </Stack>
    </Fieldset>
  );
}

export function ContentFields({ m, onChange, error }: { m: CampaignModel; onChange: (m: CampaignModel) => void; error: unknown }) {
  const settings = useSettings();
  const projectTracks = settings.data?.link_tracking;
  const tracks = m.trackLinks === 'default' ? !!projectTracks : m.trackLinks === 'on';
  const rich = takesContent(m.channel);
  const media = mediaUrls(m.media);
  return (
    <Stack gap="sm">
      {rich && (
        <SegmentedField
          label="Message type"
          value={m.kind}
          onChange={(kind) => onChange({ ...m, kind })}
          data={[
            { value: 'text', label: 'Text' },
            { value: 'template', label: 'Template' },
          ]}
        />
      )}
      {rich && m.kind === 'template' ? (
        <TemplateFields m={m} set={(template) => onChange({ ...m, template })} error={error} />
      ) : rich ? (
        <Textarea label="Message" value={m.body} onChange={(e) => onChange({ ...m, body: e.currentTarget.value })} autosize minRows={3} maxRows={10} error={fieldError(error, 'body') ?? fieldError(error, 'content.text')} />
      ) : (
        <MessageEditor label="Message" value={m.body} onChange={(body) => onChange({ ...m, body })} error={fieldError(error, 'body')} trackLinks={tracks} />
      )}
      {!(rich && m.kind === 'template') && (
        <Text size="xs" c="dimmed">
          {VARIABLES_HINT}; once saved, preview it for a customer on the campaign's page.
        </Text>
      )}
      {m.channel === 'mms' && (
        <Textarea
          label="Media URLs"
          description={`One http(s) URL per line, at most 10 (${media.length} now). The text is optional when there is media.`}
          placeholder="https://example.com/offer.jpg"
          value={m.media}
          onChange={(e) => onChange({ ...m, media: e.currentTarget.value })}
          autosize
          minRows={2}
          maxRows={6}
          error={fieldErrorUnder(error, 'media_urls')}
        />
      )}
      <NativeSelect
        label="Link tracking"
        description="Links in the text become tracked short links, counted as clicks in the funnel."
        value={m.trackLinks}
        onChange={(e) => onChange({ ...m, trackLinks: e.currentTarget.value as TrackLinks })}
        data={[
          { value: 'default', label: `The project's setting (${projectTracks === undefined ? '…' : projectTracks ? 'on' : 'off'})` },
          { value: 'on', label: 'Track links' },
          { value: 'off', label: 'Do not track links' },
        ]}
        error={fieldError(error, 'track_links')}
        w={300}
        maw="100%"
      />
    </Stack>
  );
}
