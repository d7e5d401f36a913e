// The message text editor with its SMS counter: parts, encoding, and the characters that force
// UCS-2, from the hub's own splitter (POST /segments), so what it shows is what will be sent.
// Campaigns reuse it.
import { Badge, Group, Text, Textarea } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { post } from '../api/client';
import type { Segments } from '../api/types';

export function useSegments(text: string, trackLinks = false) {
  const [debounced] = useDebouncedValue(text, 150);
  return useQuery({
    queryKey: ['segments', debounced, trackLinks],
    queryFn: () => post<Segments & { tracked: Segments | null }>('/segments', { text: debounced, track_links: trackLinks }),
    placeholderData: (prev) => prev,
  });
}

export function MessageEditor({ value, onChange, label = 'Message', error, trackLinks }: { value: string; onChange: (v: string) => void; label?: string; error?: string; trackLinks?: boolean }) {
  const seg = useSegments(value, trackLinks);
  const s = seg.data?.tracked ?? seg.data;
  return (
    <div>
      <Textarea label={label} value={value} onChange={(e) => onChange(e.currentTarget.value)} autosize minRows={3} maxRows={10} error={error} />
      <Group gap="xs" mt={6} aria-live="polite" data-testid="segment-counter">
        {s && (
          <>
            <Badge variant="light" data-testid="parts">
              {s.parts} {s.parts === 1 ? 'part' : 'parts'}
            </Badge>
            <Badge variant="light" color={s.encoding === 'UCS-2' ? 'orange' : 'blue'} data-testid="encoding">
              {s.encoding}
            </Badge>
            <Text size="xs" c="dimmed">
              {s.units} / {s.units_per_part * Math.max(1, s.parts)} {s.encoding === 'UCS-2' ? 'code units' : 'septets'}
            </Text>
            {s.non_gsm_characters.length > 0 && (
              <Text size="xs" c="var(--mantine-color-orange-text)" data-testid="ucs2-chars">
                UCS-2 because of: {s.non_gsm_characters.map((c) => `“${c}”`).join(' ')}
              </Text>
            )}
          </>
        )}
      </Group>
    </div>
  );
}
