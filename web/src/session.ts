// Who is logged in, and the access token, kept in memory only (never in storage a script could
// read later): the refresh token lives in an HttpOnly cookie the server sets on /api/auth, so a
// reload restores the session through POST /api/auth/refresh. The token is refreshed before it
// expires and after a 401; when that fails the app shows the login page.

import { useSyncExternalStore } from 'react';
import { roleAllows, type Principal, type Role } from '../../model/security.ts';

/** Answer of POST /api/auth/login and /api/auth/refresh. */
interface TokenAnswer {
  accessToken: string;
  tokenType: 'Bearer';
  /** Seconds. */
  expiresIn: number;
  user: Principal;
}

export type SessionState = { status: 'checking' } | { status: 'out' } | { status: 'in'; user: Principal };

/** The API's error body, kept whole so a message shows the same code as the server log. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export async function errorOf(res: Response): Promise<ApiError> {
  const body = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
  return new ApiError(body.code ?? 'HS_ERR_HTTP', body.message ?? res.statusText, res.status);
}

/** Refresh when this share of the token's life has passed: early enough for a slow network. */
const REFRESH_AT = 0.8;
/** A refresh the server could not answer (down, restarting) is tried again this much later. */
const RETRY_MS = 5000;

let state: SessionState = { status: 'checking' };
let token: string | undefined;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let refreshing: Promise<boolean> | undefined;
const listeners = new Set<() => void>();
const tokenListeners = new Set<(token: string | undefined) => void>();

function publish(next: SessionState, nextToken: string | undefined): void {
  const tokenChanged = nextToken !== token;
  state = next;
  token = nextToken;
  for (const l of listeners) l();
  if (tokenChanged) for (const l of tokenListeners) l(token);
}

function signedIn(answer: TokenAnswer): void {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => void refresh(), answer.expiresIn * 1000 * REFRESH_AT);
  publish({ status: 'in', user: answer.user }, answer.accessToken);
}

function signedOut(): void {
  clearTimeout(refreshTimer);
  publish({ status: 'out' }, undefined);
}

const postAuth = (path: string, body?: unknown): Promise<Response> =>
  fetch(`api/auth/${path}`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** Logs in; throws ApiError (HS_ERR_AUTH_FAILED for a wrong name or password, HS_ERR_AUTH_RATE when throttled). */
export async function login(username: string, password: string): Promise<void> {
  const res = await postAuth('login', { username, password });
  if (!res.ok) throw await errorOf(res);
  signedIn((await res.json()) as TokenAnswer);
}

/**
 * A new access token from the refresh cookie, one request at a time. False when there is none:
 * the server refused the cookie (the login page shows) or could not be reached (the session
 * stays, and the refresh is tried again shortly: a server restart must not log the room out).
 */
export function refresh(): Promise<boolean> {
  refreshing ??= postAuth('refresh')
    .then(async (res) => {
      if (res.ok) {
        signedIn((await res.json()) as TokenAnswer);
        return true;
      }
      if (res.status === 401 || res.status === 403) signedOut();
      else retryLater();
      return false;
    }, () => {
      retryLater();
      return false;
    })
    .finally(() => (refreshing = undefined));
  return refreshing;
}

function retryLater(): void {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => void refresh(), RETRY_MS);
}

/** Revokes the refresh token on the server and forgets the access token here, whatever the server says. */
export async function logout(): Promise<void> {
  // A refresh under way would otherwise sign in again after the logout.
  await refreshing;
  await postAuth('logout').catch(() => undefined);
  signedOut();
}

/** fetch with the Bearer token; a 401 refreshes the token once and sends again. */
export async function authFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const send = () => fetch(url, { ...init, headers: { accept: 'application/json', ...init.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) } });
  const res = await send();
  if (res.status !== 401 || state.status !== 'in') return res;
  return (await refresh()) ? send() : res;
}

export const currentToken = (): string | undefined => token;

/** Called with the new token after every login, refresh and logout (undefined). */
export function onTokenChange(listener: (token: string | undefined) => void): () => void {
  tokenListeners.add(listener);
  return () => tokenListeners.delete(listener);
}

export function useSession(): SessionState {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => state,
  );
}

/** Whether the user logged in holds `needed` or a larger role. */
export function useCan(): (needed: Role) => boolean {
  const session = useSession();
  return (needed) => session.status === 'in' && roleAllows(session.user.role, needed);
}
