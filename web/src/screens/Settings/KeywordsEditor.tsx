// Keyword rules of one channel: opt-out, opt-in and help keywords with their replies, and custom
// keywords. Opt-out rules are compliance: only the admin key may change them.
import { Button, Stack, Textarea, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { get, put } from '../../api/client';
import { pkey, projectPath } from '../../api/queries';
import { useProjectId, useSession } from '../../api/session';
import type { Keywords } from '../../api/types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { ADMIN_ONLY, Loading } from '../../components/Page';

const GROUPS = [
  { key: 'opt_out', label: 'Opt-out' },
  { key: 'opt_in', label: 'Opt-in' },
  { key: 'help', label: 'Help' },
] as const;

const splitWords = (s: string) => s.split(',').map((w) => w.trim()).filter(Boolean);

export function KeywordsEditor({ channel }: { channel: 'sms' | 'whatsapp' | 'rcs' }) {
  const pid = useProjectId();
  const { isAdmin } = useSession();
  const qc = useQueryClient();
  const path = projectPath(pid, `/keywords/${channel}`);
  const current = useQuery({ queryKey: pkey(pid, 'keywords', channel), queryFn: () => get<Keywords>(path) });
  const [draft, setDraft] = useState<Keywords | null>(null);
  const [custom, setCustom] = useState('');
  useEffect(() => {
    if (current.data) {
      setDraft(current.data);
      setCustom(current.data.custom.map((c) => `${c.keyword}: ${c.reply}`).join('\n'));
    }
  }, [current.data]);
  const save = useMutation({
    mutationFn: (k: Keywords) => put<Keywords>(path, k),
    onSuccess: (k) => qc.setQueryData(pkey(pid, 'keywords', channel), k),
  });
  if (!draft) return current.error ? <ErrorAlert error={current.error} /> : <Loading what="keywords" />;
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const rows = custom.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => {
      const i = l.indexOf(':');
      return { keyword: (i < 0 ? l : l.slice(0, i)).trim(), reply: i < 0 ? '' : l.slice(i + 1).trim() };
    });
    save.mutate({ ...draft, custom: rows });
  };
  return (
    <form onSubmit={submit} aria-label={`${channel} keywords`}>
      <Stack maw={640} gap="sm">
        {GROUPS.map((g) => {
          const locked = g.key === 'opt_out' && !isAdmin;
          return (
            <div key={g.key}>
              <Title order={3} size="h6">
                {g.label}
              </Title>
              <TextInput label={`${g.label} keywords`} description={locked ? ADMIN_ONLY : 'Comma-separated; matched against the whole message, ignoring case and accents'} value={draft[g.key].keywords.join(', ')} onChange={(e) => setDraft({ ...draft, [g.key]: { ...draft[g.key], keywords: splitWords(e.currentTarget.value) } })} disabled={locked} />
              <Textarea label={`${g.label} reply`} value={draft[g.key].reply} onChange={(e) => setDraft({ ...draft, [g.key]: { ...draft[g.key], reply: e.currentTarget.value } })} disabled={locked} autosize minRows={1} />
            </div>
          );
        })}
        <Textarea label="Custom keywords" description="One per line: KEYWORD: reply" value={custom} onChange={(e) => setCustom(e.currentTarget.value)} autosize minRows={2} />
        <ErrorAlert error={save.error} />
        {save.isSuccess && <span role="status">Saved.</span>}
        <Button type="submit" loading={save.isPending} w="fit-content">
          Save keywords
        </Button>
      </Stack>
    </form>
  );
}
