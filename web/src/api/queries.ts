// Query keys and fetchers per resource. Every project-scoped key starts with ['p', projectId] so
// switching projects drops them all.
import { useQuery } from '@tanstack/react-query';
import { get } from './client';
import { useProjectId } from './session';
import type { Integration, Provider, SenderProfile, Settings } from './types';

export const pkey = (pid: string, ...rest: unknown[]) => ['p', pid, ...rest];
export const projectPath = (pid: string, path = '') => `/projects/${encodeURIComponent(pid)}${path}`;

export function useProviders() {
  return useQuery({ queryKey: ['providers'], queryFn: () => get<{ data: Provider[] }>('/providers'), staleTime: Infinity });
}

export function useIntegrations() {
  const pid = useProjectId();
  return useQuery({ queryKey: pkey(pid, 'integrations'), queryFn: () => get<{ data: Integration[] }>(projectPath(pid, '/integrations')) });
}

export function useSettings() {
  const pid = useProjectId();
  return useQuery({ queryKey: pkey(pid, 'settings'), queryFn: () => get<Settings>(projectPath(pid, '/settings')) });
}

export function useSenderProfiles() {
  const pid = useProjectId();
  return useQuery({ queryKey: pkey(pid, 'sender-profiles'), queryFn: () => get<{ data: SenderProfile[] }>(projectPath(pid, '/sender-profiles')) });
}

export const enc = encodeURIComponent;
