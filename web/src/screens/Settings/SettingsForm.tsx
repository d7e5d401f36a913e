// A form over part of the project's settings: submitting PUTs that part, the answer replaces the
// cached settings, and the form ends with the error, "Saved." and the Save button.
import { Button, Stack } from '@mantine/core';
import { useMutation, useQueryClient, type UseMutationResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { put } from '../../api/client';
import { pkey, projectPath } from '../../api/queries';
import { useProjectId } from '../../api/session';
import type { Settings } from '../../api/types';
import { ErrorAlert } from '../../components/ErrorAlert';

export type SettingsSave = UseMutationResult<Settings, Error, void>;

/** Saves what `body` gives; `onSaved` runs after the settings cache holds the answer. */
export function useSaveSettings(body: () => Partial<Settings>, onSaved?: () => void): SettingsSave {
  const pid = useProjectId();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => put<Settings>(projectPath(pid, '/settings'), body()),
    onSuccess: (s) => {
      qc.setQueryData(pkey(pid, 'settings'), s);
      onSaved?.();
    },
  });
}

export function SettingsForm({ save, canSave, maw = 520, children }: { save: SettingsSave; canSave: boolean; maw?: number; children: ReactNode }) {
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <Stack maw={maw}>
        {children}
        <ErrorAlert error={save.error} />
        {save.isSuccess && <span role="status">Saved.</span>}
        <Button type="submit" disabled={!canSave} loading={save.isPending} w="fit-content">
          Save
        </Button>
      </Stack>
    </form>
  );
}
