// The two-way inbox for one customer: the thread, oldest first, and a reply box.
import { Badge, Box, Button, Group, Paper, Stack, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { post } from '../../api/client';
import { pkey, projectPath } from '../../api/queries';
import { useProjectId } from '../../api/session';
import type { ConversationEntry, Message } from '../../api/types';
import { ErrorAlert, fieldError } from '../../components/ErrorAlert';
import { MessageEditor } from '../../components/MessageEditor';
import { Empty } from '../../components/Page';
import { statusColor } from '../../components/StatusChips';

export function Conversation({ customerId, entries }: { customerId: string; entries: ConversationEntry[] }) {
  const pid = useProjectId();
  const qc = useQueryClient();
  const [text, setText] = useState('');
  const send = useMutation({
    mutationFn: () => post<Message>(projectPath(pid, '/messages'), { customer_id: customerId, channel: 'sms', body: text }),
    onSuccess: async () => {
      setText('');
      await qc.invalidateQueries({ queryKey: pkey(pid, 'customer', customerId) });
    },
  });
  return (
    <Stack gap="sm">
      <Stack gap={6} data-testid="thread" aria-live="polite">
        {entries.length === 0 && <Empty>No messages with this customer yet.</Empty>}
        {entries.map((e, i) => (
          <Box key={e.message_id ?? `${e.at}-${i}`} style={{ display: 'flex', justifyContent: e.direction === 'outbound' ? 'flex-end' : 'flex-start' }}>
            <Paper withBorder p="xs" maw="80%" bg={e.direction === 'outbound' ? 'blue.0' : 'gray.0'} data-direction={e.direction}>
              <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                {e.text}
              </Text>
              <Group gap={4} mt={4}>
                <Text size="xs" c="dimmed">
                  {e.direction === 'outbound' ? (e.auto_reply ? 'auto-reply' : 'sent') : 'received'} · {e.channel} · {new Date(e.at).toLocaleString()}
                </Text>
                {e.status && (
                  <Badge size="xs" variant="light" color={statusColor(e.status)}>
                    {e.status}
                  </Badge>
                )}
              </Group>
            </Paper>
          </Box>
        ))}
      </Stack>
      <form
        onSubmit={(ev) => {
          ev.preventDefault();
          if (text.trim()) send.mutate();
        }}
      >
        <Stack gap="xs">
          <MessageEditor label="Reply by SMS" value={text} onChange={setText} error={fieldError(send.error, 'body')} />
          <ErrorAlert error={send.error} />
          <Button type="submit" loading={send.isPending} w="fit-content" disabled={!text.trim()}>
            Send
          </Button>
        </Stack>
      </form>
    </Stack>
  );
}
