import { useCallback, useEffect, useState } from 'react';
import { api, ApiError, unauthorizedEvent } from '../shared/api.js';
import type { Who } from './types.js';

/**
 * Who is signed in, from the session cookie (HttpOnly, so only the server can tell): `undefined`
 * while asking, `null` when nobody is. One cookie per browser: signing in as the customer ends
 * an operator's session in the same browser and the other way round.
 */
export interface Session {
  readonly who: Who | null | undefined;
  readonly error: unknown;
  refresh(): void;
  signOut(): Promise<void>;
}

export function useSession(): Session {
  const [who, setWho] = useState<Who | null | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    api<Who>('/api/session').then(
      (w) => live && (setWho(w), setError(undefined)),
      (e: unknown) => {
        if (!live) return;
        if (e instanceof ApiError && e.status === 401) setWho(null);
        else setError(e);
      },
    );
    return () => {
      live = false;
    };
  }, [tick]);
  const refresh = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    window.addEventListener(unauthorizedEvent, refresh);
    return () => window.removeEventListener(unauthorizedEvent, refresh);
  }, [refresh]);
  const signOut = useCallback(async () => {
    await api('/api/session', { method: 'DELETE' }).catch(() => undefined);
    setWho(null);
  }, []);
  return { who, error, refresh, signOut };
}
