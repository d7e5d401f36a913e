// Campaign query keys and fetchers, under the project's ['p', pid] prefix.
import { useQuery } from '@tanstack/react-query';
import { get } from '../../api/client';
import { enc, pkey, projectPath } from '../../api/queries';
import { useProjectId } from '../../api/session';
import type { Campaign, CampaignSeries, CampaignStats, Estimate } from './types';

export const campaignPath = (pid: string, cid: string, rest = '') => projectPath(pid, `/campaigns/${enc(cid)}${rest}`);
export const campaignKey = (pid: string, cid: string, ...rest: string[]) => pkey(pid, 'campaign', cid, ...rest);

/** States whose numbers can still move. */
export const isActive = (state: string) => state === 'launching' || state === 'launched' || state === 'paused';
export const hasMessages = (state: string) => state !== 'draft' && state !== 'scheduled';
/** States PATCH …/campaigns/{cid} accepts. */
export const isEditable = (state: string) => !hasMessages(state) && state !== 'cancelled';

export function useCampaigns() {
  const pid = useProjectId();
  return useQuery({ queryKey: pkey(pid, 'campaigns'), queryFn: () => get<{ data: Campaign[] }>(projectPath(pid, '/campaigns')) });
}

export function useCampaign(cid: string, enabled = true) {
  const pid = useProjectId();
  return useQuery({
    queryKey: campaignKey(pid, cid),
    queryFn: () => get<Campaign>(campaignPath(pid, cid)),
    enabled: enabled && !!cid,
    // A launch resumed in the background makes no event when it ends: look again while it runs.
    refetchInterval: (q) => (q.state.data?.state === 'launching' ? 2000 : false),
  });
}

export function useCampaignStats(cid: string, enabled = true, refetchInterval: number | false = false) {
  const pid = useProjectId();
  return useQuery({ queryKey: campaignKey(pid, cid, 'stats'), queryFn: () => get<CampaignStats>(campaignPath(pid, cid, '/stats')), enabled, refetchInterval });
}

export function useCampaignSeries(cid: string, enabled = true) {
  const pid = useProjectId();
  return useQuery({ queryKey: campaignKey(pid, cid, 'series'), queryFn: () => get<CampaignSeries>(campaignPath(pid, cid, '/stats/series')), enabled });
}

export function useCampaignEstimate(cid: string, enabled = true) {
  const pid = useProjectId();
  return useQuery({ queryKey: campaignKey(pid, cid, 'estimate'), queryFn: () => get<Estimate>(campaignPath(pid, cid, '/estimate')), enabled });
}
