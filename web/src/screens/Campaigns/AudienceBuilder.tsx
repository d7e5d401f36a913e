// The audience builder: a list of customer ids, or conditions (attribute op value, consent, past
// events) joined by all/any, with the hub's size estimate of the filter as it is built.
import { ActionIcon, Button, Fieldset, Group, NativeSelect, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { SegmentedField } from '../../components/SegmentedField';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { post } from '../../api/client';
import { pkey, projectPath } from '../../api/queries';
import { useProjectId } from '../../api/session';
import { ErrorAlert } from '../../components/ErrorAlert';
import { ATTRIBUTE_OPS, CONSENT_STATES, EVENT_KINDS, filterJson, newCondition, OP_LABEL, opTakesValue, parseIds, type AudienceModel, type Condition } from './audience';
import type { Estimate } from './types';

const KIND_LABEL: Record<Condition['kind'], string> = { attribute: 'Attribute', consent: 'Consent', event: 'Past event' };
const CHANNELS = [
  { value: '', label: "the campaign's" },
  { value: 'sms', label: 'SMS/MMS' },
  { value: 'whatsapp', label: 'WhatsApp' },
  { value: 'rcs', label: 'RCS' },
];

function ConditionRow({ c, n, onChange, onRemove }: { c: Condition; n: number; onChange: (c: Condition) => void; onRemove: () => void }) {
  return (
    <Fieldset legend={`Condition ${n}`} data-testid="condition" p="xs">
      <Group align="flex-end" gap="xs" wrap="wrap">
        <NativeSelect label="Type" value={c.kind} onChange={(e) => onChange(newCondition(e.currentTarget.value as Condition['kind']))} data={Object.entries(KIND_LABEL).map(([value, label]) => ({ value, label }))} w={130} />
        {c.kind === 'attribute' && (
          <>
            <TextInput label="Attribute" placeholder="tier" value={c.attribute} onChange={(e) => onChange({ ...c, attribute: e.currentTarget.value })} w={140} />
            <NativeSelect label="Operator" value={c.op} onChange={(e) => onChange({ ...c, op: e.currentTarget.value })} data={ATTRIBUTE_OPS.map((op) => ({ value: op, label: OP_LABEL[op] ?? op }))} w={190} />
            {opTakesValue(c.op) && (
              <TextInput
                label="Value"
                placeholder={c.op === 'in' ? 'gold, platinum' : c.op === 'before' || c.op === 'after' ? '2026-01-01' : 'gold'}
                value={c.value}
                onChange={(e) => onChange({ ...c, value: e.currentTarget.value })}
                w={160}
              />
            )}
          </>
        )}
        {c.kind === 'consent' && (
          <>
            <NativeSelect label="Consent" value={c.consent} onChange={(e) => onChange({ ...c, consent: e.currentTarget.value })} data={CONSENT_STATES.map((s) => ({ value: s, label: s.replace(/_/g, ' ') }))} w={160} />
            <NativeSelect label="Channel" value={c.channel} onChange={(e) => onChange({ ...c, channel: e.currentTarget.value })} data={CHANNELS} w={160} />
          </>
        )}
        {c.kind === 'event' && (
          <>
            <NativeSelect label="Event" value={c.event} onChange={(e) => onChange({ ...c, event: e.currentTarget.value })} data={EVENT_KINDS.map((s) => ({ value: s, label: s.replace(/_/g, ' ') }))} w={150} />
            <TextInput label="Of campaign" placeholder="any campaign" value={c.campaign_id} onChange={(e) => onChange({ ...c, campaign_id: e.currentTarget.value })} w={170} />
            <TextInput label="Within days" placeholder="any time" inputMode="numeric" value={c.within_days} onChange={(e) => onChange({ ...c, within_days: e.currentTarget.value })} w={110} />
          </>
        )}
        <ActionIcon variant="subtle" color="red" size="lg" onClick={onRemove} aria-label={`Remove condition ${n}`}>
          ✕
        </ActionIcon>
      </Group>
    </Fieldset>
  );
}

export function EstimateLine({ e }: { e: Estimate }) {
  return (
    <Text size="sm" role="status" data-testid="estimate" data-reachable={e.reachable}>
      <strong>{e.reachable}</strong> reachable of {e.size} matching customers ({e.with_phone} with a phone, {e.opted_out} opted out of {e.channel})
      {e.listed_ids !== null && ` · ${e.listed_ids} ids listed`}
    </Text>
  );
}

function FilterEstimate({ model, channel }: { model: AudienceModel; channel: string }) {
  const pid = useProjectId();
  const [filter] = useDebouncedValue(filterJson(model), 300);
  const estimate = useQuery({
    queryKey: pkey(pid, 'audience-estimate', channel, filter),
    queryFn: () => post<Estimate>(projectPath(pid, '/audiences/estimate'), { filter, channel }),
    enabled: filter !== null,
    placeholderData: (prev) => prev,
    retry: false,
  });
  if (!filter) return null;
  return estimate.error ? <ErrorAlert error={estimate.error} title="The filter is not complete" /> : estimate.data ? <EstimateLine e={estimate.data} /> : null;
}

export function AudienceBuilder({ value, onChange, channel }: { value: AudienceModel; onChange: (m: AudienceModel) => void; channel: string }) {
  const set = (i: number, c: Condition) => onChange({ ...value, conditions: value.conditions.map((x, j) => (j === i ? c : x)) });
  return (
    <Stack gap="xs">
      <SegmentedField
        label="Choose customers"
        value={value.mode}
        onChange={(mode) => onChange({ ...value, mode })}
        data={[
          { value: 'filter', label: 'By filter' },
          { value: 'ids', label: 'By customer ids' },
        ]}
      />
      {value.mode === 'ids' ? (
        <>
          <Textarea label="Customer ids" description="Separated by commas, spaces or new lines; repeats count once." autosize minRows={2} maxRows={8} value={value.ids} onChange={(e) => onChange({ ...value, ids: e.currentTarget.value })} />
          <Text size="sm" role="status">
            {parseIds(value.ids).length} distinct ids: the campaign's page estimates whom they reach once it is saved.
          </Text>
        </>
      ) : (
        <>
          <NativeSelect
            label="Match customers for whom"
            value={value.combine}
            onChange={(e) => onChange({ ...value, combine: e.currentTarget.value as AudienceModel['combine'] })}
            data={[
              { value: 'all', label: 'all conditions hold' },
              { value: 'any', label: 'any condition holds' },
            ]}
            w={220}
          />
          <Text size="xs" c="dimmed">
            Values: numbers and true/false are read as such (quote text that looks like one: "5"); “is one of” takes a comma-separated list.
          </Text>
          {value.conditions.map((c, i) => (
            <ConditionRow key={i} c={c} n={i + 1} onChange={(x) => set(i, x)} onRemove={() => onChange({ ...value, conditions: value.conditions.filter((_, j) => j !== i) })} />
          ))}
          <Button variant="light" w="fit-content" onClick={() => onChange({ ...value, conditions: [...value.conditions, newCondition('attribute')] })}>
            + Add condition
          </Button>
          <FilterEstimate model={value} channel={channel} />
        </>
      )}
    </Stack>
  );
}
