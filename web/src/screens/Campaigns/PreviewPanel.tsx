// Personalisation preview: the message rendered for one customer, as the launch would render it,
// with its parts, encoding, the characters that force UCS-2 and the variables left empty.
import { Badge, Button, Code, Group, Stack, Text, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { post } from '../../api/client';
import { useProjectId } from '../../api/session';
import { ErrorAlert, fieldError } from '../../components/ErrorAlert';
import { campaignPath } from './queries';
import type { Preview } from './types';

export function PreviewPanel({ cid }: { cid: string }) {
  const pid = useProjectId();
  const [customer, setCustomer] = useState('');
  const preview = useMutation({ mutationFn: () => post<Preview>(campaignPath(pid, cid, '/preview'), { customer_id: customer.trim() }) });
  const p = preview.data;
  return (
    <Stack gap="xs">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (customer.trim()) preview.mutate();
        }}
      >
        <Group align="flex-end" wrap="wrap">
          <TextInput label="Preview for customer id" value={customer} onChange={(e) => setCustomer(e.currentTarget.value)} error={fieldError(preview.error, 'customer_id')} w={240} />
          <Button type="submit" variant="light" loading={preview.isPending}>
            Preview
          </Button>
        </Group>
      </form>
      <ErrorAlert error={preview.error} />
      {p && (
        <Stack gap={6} data-testid="preview" aria-live="polite">
          <Code block style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }} data-testid="preview-body">
            {p.content && p.content.type !== 'text' ? JSON.stringify(p.content, null, 2) : p.body}
          </Code>
          <Group gap="xs">
            <Badge variant="light">
              {p.parts} {p.parts === 1 ? 'part' : 'parts'}
            </Badge>
            <Badge variant="light" color={p.encoding === 'UCS-2' ? 'orange' : 'blue'}>
              {p.encoding}
            </Badge>
            {p.ucs2_characters.length > 0 && (
              <Text size="xs" c="var(--mantine-color-orange-text)">
                UCS-2 because of: {p.ucs2_characters.map((c) => `“${c}”`).join(' ')}
              </Text>
            )}
          </Group>
          {p.missing_variables.length > 0 && (
            <Text size="sm" c="var(--mantine-color-orange-text)" data-testid="missing-variables">
              Missing for this customer: {p.missing_variables.join(', ')}
            </Text>
          )}
        </Stack>
      )}
    </Stack>
  );
}
