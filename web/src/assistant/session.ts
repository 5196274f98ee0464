import { api, ApiError, type ApiOptions } from '../shared/api.js';

/**
 * The administrator's bearer token, kept in sessionStorage: it lives as long as the tab, is not
 * sent to other tabs or kept after the browser closes, and never goes into a URL.
 */
const key = 'repatriate.assistant.adminToken';

export function savedToken(): string | undefined {
  try {
    return sessionStorage.getItem(key) ?? undefined;
  } catch {
    return undefined;
  }
}

export function saveToken(token: string | undefined): void {
  try {
    if (token) sessionStorage.setItem(key, token);
    else sessionStorage.removeItem(key);
  } catch {
    // A browser that refuses storage keeps the token in memory only (the App's state).
  }
}

/** Listeners told when the server refuses the token, so the App shows the sign-in again. */
const refused = new Set<(error: ApiError) => void>();
export function onTokenRefused(listener: (error: ApiError) => void): () => void {
  refused.add(listener);
  return () => refused.delete(listener);
}

/** An administrator call: the saved token as bearer; a 401 signs the tab out. */
export async function adminApi<T>(path: string, options: Omit<ApiOptions, 'token'> = {}): Promise<T> {
  const token = savedToken();
  try {
    return await api<T>(path, { ...options, ...(token ? { token } : {}) });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) for (const listener of refused) listener(error);
    throw error;
  }
}

/** POST /api/onprem/tasks/<task>/<action> */
export function taskAction<T>(task: string, action: string, body: Record<string, unknown> = {}): Promise<T> {
  return adminApi<T>(`/api/onprem/tasks/${task}/${action}`, { method: 'POST', body });
}
