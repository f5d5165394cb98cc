// Asks the token service for a fresh room and a short-lived access token.
import { ERRORS } from './messages.js';

export class CallError extends Error {
  /** An error whose message is the French sentence to show the caller. */
}

const TIMEOUT_MS = 10000;

export async function requestToken(url) {
  let response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: '{}',
      cache: 'no-store',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch {
    throw new CallError(ERRORS.tokenUnreachable);
  }
  if (response.status === 429) {
    const seconds = Math.max(1, Number.parseInt(response.headers.get('Retry-After') || '30', 10) || 30);
    throw new CallError(ERRORS.tokenRateLimited(seconds));
  }
  if (response.status === 403) throw new CallError(ERRORS.tokenRefused);
  if (!response.ok) throw new CallError(ERRORS.tokenUnreachable);
  const grant = await response.json().catch(() => null);
  if (!grant || typeof grant.url !== 'string' || typeof grant.token !== 'string') {
    throw new CallError(ERRORS.tokenUnreachable);
  }
  return grant;
}
