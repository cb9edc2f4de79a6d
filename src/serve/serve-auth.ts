import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Hostnames a loopback-bound server can legitimately be reached by (directly or via an SSH tunnel). */
const LOOPBACK_HOSTNAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Cookies are shared between ports of one host, so the name carries the port to keep two servers apart. */
export function cookieName(port: number): string {
  return `claude_bottle_token_${port}`;
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function readCookie(request: IncomingMessage, name: string): string | null {
  const header = request.headers.cookie;
  if (header === undefined) return null;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index < 0) continue;
    if (part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return null;
}

export function queryToken(request: IncomingMessage): string | null {
  return new URL(request.url ?? '/', 'http://placeholder').searchParams.get('token');
}

export type TokenSource = 'query' | 'cookie' | null;

/** Where a valid token came from, or null when the request carries none that matches. */
export function tokenSource(request: IncomingMessage, token: string, port: number): TokenSource {
  const fromQuery = queryToken(request);
  if (fromQuery !== null && sameSecret(fromQuery, token)) return 'query';
  const fromCookie = readCookie(request, cookieName(port));
  if (fromCookie !== null && sameSecret(fromCookie, token)) return 'cookie';
  return null;
}

/**
 * The Host header must name a loopback host: a page on another site that rebinds its DNS name to
 * 127.0.0.1 sends its own name here and is refused before the token is even looked at.
 */
export function isLoopbackHost(request: IncomingMessage): boolean {
  const host = request.headers.host;
  if (host === undefined) return false;
  try {
    return LOOPBACK_HOSTNAMES.has(new URL(`http://${host}`).hostname);
  } catch (error: unknown) {
    // A Host header that makes no URL (TypeError) names no host at all, so not a loopback one.
    if (error instanceof TypeError) return false;
    throw error;
  }
}

/**
 * WebSocket upgrades must come from a page served by this very server: browsers always send Origin
 * on a WebSocket handshake, and it must match the Host the browser used (which differs from our own
 * port when the operator reaches us through an SSH tunnel).
 */
export function isSameOrigin(request: IncomingMessage): boolean {
  const origin = request.headers.origin;
  const host = request.headers.host;
  if (origin === undefined || host === undefined) return false;
  try {
    const parsed = new URL(origin);
    return parsed.protocol === 'http:' && parsed.host === host && LOOPBACK_HOSTNAMES.has(parsed.hostname);
  } catch (error: unknown) {
    // An Origin that is no URL (TypeError) is no origin of ours: refused.
    if (error instanceof TypeError) return false;
    throw error;
  }
}

export function sessionCookie(port: number, token: string): string {
  return `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}
