// Launch, schedule, pause, resume, cancel: each states what it does before it is done; a refusal
// (409 when the campaign moved on meanwhile) shows the hub's message.
import { Button, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { post } from '../../api/client';
import { pkey } from '../../api/queries';
import { useProjectId } from '../../api/session';
import { ErrorAlert, fieldError } from '../../components/ErrorAlert';
import { localToIso } from './campaign-model';
import { campaignKey, campaignPath } from './queries';
import type { Campaign } from './types';

type Action = 'launch' | 'pause' | 'resume' | 'cancel';

const ACTIONS: Record<Action, { label: string; color: string; allowed: (s: Campaign['state']) => boolean; consequence: (c: Campaign) => string }> = {
  launch: {
    label: 'Launch',
    color: 'indigo',
    allowed: (s) => s === 'draft' || s === 'scheduled',
    consequence: (c) =>
      `One message is queued now for each of the audience's customers (about ${c.audience_size}; the filter is evaluated now). Opted-out customers, those without a phone and those the project's quiet hours or frequency cap hold back are left out or deferred.${c.state === 'scheduled' ? ' Its schedule is replaced: it launches now.' : ''}`,
  },
  pause: {
    label: 'Pause',
    color: 'orange',
    allowed: (s) => s === 'launching' || s === 'launched',
    consequence: () => 'Its queued messages wait, unsent, until you resume it, and an unfinished launch stops queuing. Messages already handed to the provider go on.',
  },
  resume: {
    label: 'Resume',
    color: 'green',
    allowed: (s) => s === 'paused',
    consequence: () => 'Its paused messages are queued again (those due go out at once), and an interrupted launch goes on queuing for the rest of the audience.',
  },
  cancel: {
    label: 'Cancel campaign',
    color: 'red',
    allowed: (s) => s !== 'cancelled',
    consequence: () => 'This cannot be undone. A scheduled campaign never launches; every message still waiting (queued or paused) is taken off the queue and never sent. Messages already handed to the provider are not recalled.',
  },
};

export function Controls({ campaign }: { campaign: Campaign }) {
  const pid = useProjectId();
  const qc = useQueryClient();
  const [open, setOpen] = useState<Action | null>(null);
  const [sendAt, setSendAt] = useState('');
  const done = async (c: Campaign) => {
    qc.setQueryData(campaignKey(pid, c.id), c);
    await qc.invalidateQueries({ queryKey: pkey(pid, 'campaigns') });
    await qc.invalidateQueries({ queryKey: campaignKey(pid, c.id) });
  };
  const act = useMutation({
    mutationFn: (a: Action) => post<Campaign>(campaignPath(pid, campaign.id, `/${a}`)),
    onSuccess: async (c) => {
      setOpen(null);
      await done(c);
    },
    // Refused (409: it moved on meanwhile): the message stays in the dialog, the page catches up.
    onError: () => qc.invalidateQueries({ queryKey: campaignKey(pid, campaign.id) }),
  });
  const schedule = useMutation({ mutationFn: () => post<Campaign>(campaignPath(pid, campaign.id, '/schedule'), { send_at: localToIso(sendAt) }), onSuccess: done });
  const a = open ? ACTIONS[open] : null;
  const canSchedule = campaign.state === 'draft' || campaign.state === 'scheduled';
  return (
    <Stack gap="sm">
      <Group gap="xs" wrap="wrap">
        {(Object.keys(ACTIONS) as Action[])
          .filter((k) => ACTIONS[k].allowed(campaign.state))
          .map((k) => (
            <Button
              key={k}
              color={ACTIONS[k].color}
              variant={k === 'cancel' ? 'outline' : k === 'launch' ? 'filled' : 'light'}
              onClick={() => {
                act.reset();
                setOpen(k);
              }}
            >
              {ACTIONS[k].label}
            </Button>
          ))}
      </Group>
      {canSchedule && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (sendAt) schedule.mutate();
          }}
        >
          <Group align="flex-end" wrap="wrap">
            <TextInput type="datetime-local" label={campaign.state === 'scheduled' ? 'Move the send time' : 'Schedule for'} description="In your time zone; a past time launches it at once." value={sendAt} onChange={(e) => setSendAt(e.currentTarget.value)} error={fieldError(schedule.error, 'send_at')} w={260} />
            <Button type="submit" variant="light" loading={schedule.isPending} disabled={!sendAt}>
              Schedule
            </Button>
          </Group>
          <ErrorAlert error={schedule.error} />
        </form>
      )}
      <Modal opened={!!a} onClose={() => setOpen(null)} closeButtonProps={{ 'aria-label': 'Close' }} title={a ? `${a.label === 'Cancel campaign' ? 'Cancel' : a.label} “${campaign.name}”?` : ''}>
        {a && open && (
          <Stack>
            <Text size="sm" data-testid="consequence">
              {a.consequence(campaign)}
            </Text>
            <ErrorAlert error={act.error} />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setOpen(null)}>
                {open === 'cancel' ? 'Keep it' : 'Not now'}
              </Button>
              {/* Filled buttons in shades that keep white text at AA contrast. */}
              <Button color={open === 'cancel' ? 'red.9' : 'indigo'} onClick={() => act.mutate(open)} loading={act.isPending}>
                {open === 'cancel' ? 'Cancel campaign' : a.label}
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Stack>
  );
}
