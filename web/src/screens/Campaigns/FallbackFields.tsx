// The campaign form's channel fallback (docs/fallback.md): the channels to try, in the hub's
// order (WhatsApp, RCS, SMS), when a customer is not reachable on the campaign's channel, and the
// text they send. MMS has no fallback: a fallback would send its text without the media.
import { Checkbox, Group, Stack, Textarea } from '@mantine/core';
import { fieldError, fieldErrorUnder } from '../../components/ErrorAlert';
import { fallbackChoices, FALLBACK_CHANNELS, type CampaignModel, type FallbackChannel } from './campaign-model';

const LABEL: Record<FallbackChannel, string> = { whatsapp: 'WhatsApp', rcs: 'RCS', sms: 'SMS' };

export function FallbackFields({ m, onChange, error }: { m: CampaignModel; onChange: (patch: Partial<CampaignModel>) => void; error: unknown }) {
  if (m.channel === 'mms') return null;
  const choices = fallbackChoices(m.channel);
  const chosen = m.fallback.filter((c) => choices.includes(c));
  // Sent in the hub's order whatever the order of the clicks.
  const pick = (values: string[]) => onChange({ fallback: FALLBACK_CHANNELS.filter((c) => values.includes(c)) });
  const bodyError = fieldError(error, 'fallback_body');
  const channelError = fieldErrorUnder(error, 'fallback_channels');
  return (
    <Stack gap="xs">
      <Checkbox.Group
        label="If a customer cannot be reached on this channel, send instead"
        description="Tried in this order, only when the provider says the customer is not on the channel (not on WhatsApp, no RCS, outside the WhatsApp window)."
        value={chosen}
        onChange={pick}
        error={channelError}
      >
        <Group mt={6}>
          {choices.map((c) => (
            <Checkbox key={c} value={c} label={LABEL[c]} />
          ))}
        </Group>
      </Checkbox.Group>
      {chosen.length > 0 && (
        <Textarea
          label="Fallback text"
          description={m.kind === 'template' ? 'Required: a template has no text to send on another channel. Takes the same variables as the message.' : "Optional: empty sends each customer's message text as they got it. Takes the same variables as the message."}
          value={m.fallbackBody}
          onChange={(e) => onChange({ fallbackBody: e.currentTarget.value })}
          autosize
          minRows={2}
          maxRows={6}
          error={bodyError}
        />
      )}
    </Stack>
  );
}
