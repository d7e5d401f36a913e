// Who is signed in, and which project the console shows. The project choice is kept in
// localStorage (an id, not a secret); the credential lives only in the HttpOnly cookie.
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { del, get, post } from './client';
import type { Project, Session } from './types';

interface SessionValue {
  session: Session;
  isAdmin: boolean;
  projects: Project[];
  projectId: string | null;
  setProjectId: (id: string) => void;
  signOut: () => Promise<void>;
}

const Ctx = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const v = useContext(Ctx);
  if (!v) throw new Error('useSession outside SessionProvider');
  return v;
}

/** The current project's id: screens render only once there is one. */
export function useProjectId(): string {
  const { projectId } = useSession();
  if (!projectId) throw new Error('no project selected');
  return projectId;
}

export const signIn = (apiKey: string) => post<Session>('/session', { api_key: apiKey });

const PROJECT_KEY = 'switchboard.project';

export function SessionProvider({ session, children }: { session: Session; children: ReactNode }) {
  const qc = useQueryClient();
  const projects = useQuery({ queryKey: ['projects'], queryFn: () => get<{ data: Project[] }>('/projects') });
  const [chosen, setChosen] = useState<string | null>(() => session.project_id ?? localStorage.getItem(PROJECT_KEY));
  const list = projects.data?.data ?? [];
  const projectId = session.project_id ?? (list.some((p) => p.id === chosen) ? chosen : (list[0]?.id ?? null));
  useEffect(() => {
    if (projectId) localStorage.setItem(PROJECT_KEY, projectId);
  }, [projectId]);
  const value: SessionValue = {
    session,
    isAdmin: session.role === 'admin',
    projects: list,
    projectId,
    setProjectId: (id) => {
      setChosen(id);
      qc.removeQueries({ predicate: (q) => q.queryKey[0] === 'p' });
    },
    signOut: async () => {
      await del('/session').catch(() => undefined);
      qc.clear();
      window.location.assign('/');
    },
  };
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}
