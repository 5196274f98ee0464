/**
 * The one way pages talk to the server: same-origin JSON over the HTTP API. An answer with an
 * error body (`{ error: { code, message, hint } }`) becomes an ApiError, so a page can show the
 * message and hint next to the field or action that caused it.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiOptions {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly body?: unknown;
  /** A bearer token (the on-premise assistant's administrator token); the desk uses its session cookie. */
  readonly token?: string;
  readonly signal?: AbortSignal;
}

/** Fired on window when the server answers 401 outside a sign-in. */
export const unauthorizedEvent = 'repatriate:unauthorized';

export async function api<T>(path: string, options: ApiOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
      headers,
      credentials: 'same-origin',
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    throw new ApiError(0, 'NETWORK', 'the server did not answer', 'check that `repatriate serve` is running, then try again');
  }
  const text = await response.text();
  const data: unknown = text ? safeJson(text) : undefined;
  if (!response.ok) {
    // A session that ended (expired, signed out elsewhere): the page that holds it asks for a new sign-in.
    if (response.status === 401 && !/\/sessions?$/.test(path)) window.dispatchEvent(new Event(unauthorizedEvent));
    const error = (data as { error?: { code?: string; message?: string; hint?: string } } | undefined)?.error;
    throw new ApiError(response.status, error?.code ?? `HTTP_${response.status}`, error?.message ?? `the server answered ${response.status}`, error?.hint);
  }
  return data as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { error: { message: text.slice(0, 200) } };
  }
}
