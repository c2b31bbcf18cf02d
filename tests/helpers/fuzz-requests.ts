// Seeded HTTP requests a route must refuse: hostile path parameters, query strings and bodies
// (malformed JSON, deep nesting, wrong types, polluting keys, oversized, wrong content type),
// shaped by the route's own field names so they get past "unknown field" to the checks behind.

import type { InjectOptions } from 'fastify';
import type { RouteAccess } from '../../api/auth/guard.ts';
import { POLLUTING_KEYS, type Fuzz, type Json } from './seeded-fuzz.ts';

interface OpenApiOperation {
  parameters?: { name: string; in: string }[];
  requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> };
}
export type OpenApiDoc = { paths: Record<string, Record<string, OpenApiOperation>> };

/** The field names a route reads (query and body), from the OpenAPI document: fuzzing them gets past "unknown field". */
export function routeFields(doc: OpenApiDoc, route: RouteAccess): { query: string[]; body: string[] } {
  const op = doc.paths[route.url.replace(/:(\w+)/g, '{$1}')]?.[route.method.toLowerCase()];
  return {
    query: (op?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
    body: Object.keys(op?.requestBody?.content?.['application/json']?.schema?.properties ?? {}),
  };
}

/** JSON text of an object whose keys may include '__proto__' as an own key, as a hostile client sends it. */
function objectText(f: Fuzz, keys: readonly string[]): string {
  const entries = Array.from({ length: f.int(0, 5) }, () => [keys.length > 0 && f.chance(0.6) ? f.pick(keys) : f.chance(0.4) ? f.pick(POLLUTING_KEYS) : f.string().slice(0, 64), f.json(3)] as [string, Json]);
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
}

/** Percent-encoded UTF-8; a lone surrogate goes as U+FFFD, as a browser sends it. */
const percent = (text: string): string => encodeURIComponent(Buffer.from(text, 'utf8').toString('utf8'));

/** Path parameters nobody has: random text, traversal, bad percent-encoding. */
function pathValue(f: Fuzz): string {
  if (f.chance(0.15)) return f.pick(['%zz', '%E0%A4%A', '..%2F..%2Fetc', '%00', '-1', '0', '1e3', '9007199254740993']);
  return percent(f.string().slice(0, 120)) || 'x';
}

function queryString(f: Fuzz, keys: readonly string[]): string {
  const pairs = Array.from({ length: f.int(1, 6) }, () => {
    const key = keys.length > 0 && f.chance(0.7) ? f.pick(keys) : f.chance(0.3) ? `${f.pick(POLLUTING_KEYS)}${f.chance(0.5) ? '[x]' : ''}` : f.string().slice(0, 30);
    const value = f.chance(0.1) ? f.pick(['%', '%zz', '%E0%A4%A', '&&', '==']) : percent(f.string().slice(0, 2000));
    return `${percent(key)}=${value}`;
  });
  return pairs.join('&');
}

export interface FuzzRequest extends InjectOptions {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  /** Sent with a valid admin token. */
  admin: boolean;
  /** For the failure report. */
  bodyKind: string;
}

/** `adminToken` undefined: the request goes without a valid token. */
export function fuzzRequest(f: Fuzz, route: RouteAccess, fields: { query: string[]; body: string[] }, adminToken: string | undefined): FuzzRequest {
  const method = route.method as FuzzRequest['method'];
  let url = route.url.replace(/:\w+/g, () => pathValue(f)).replace(/\*$/, () => pathValue(f));
  if (f.chance(0.6)) url += `?${queryString(f, fields.query)}`;
  const headers: Record<string, string> = {};
  const who = f.next();
  const admin = who < 0.8 && adminToken !== undefined;
  const forged = adminToken ?? 'eyJhbGciOiJIUzI1NiJ9.e30.sig';
  if (admin) headers.authorization = `Bearer ${adminToken}`;
  else if (who < 0.9) headers.authorization = f.pick([`Bearer ${f.string().slice(0, 200)}`, 'Bearer', `Basic ${Buffer.from('admin:admin').toString('base64')}`, `Bearer ${forged.slice(0, -3)}abc`, `Bearer ${forged}.${forged}`]);
  const request: FuzzRequest = { method, url, headers, admin, bodyKind: 'none' };
  if (method === 'GET' && f.chance(0.9)) return request;
  const kind = f.int(0, 6);
  let payload: string;
  let type = 'application/json';
  switch (kind) {
    case 0: {
      const text = objectText(f, fields.body);
      payload = text.slice(0, f.int(0, Math.max(0, text.length - 1)));
      break;
    }
    case 1:
      payload = f.deepNesting(f.pick([100, 5_000, 60_000]));
      break;
    case 2:
      payload = JSON.stringify(f.json(2)) ?? 'null';
      break;
    case 3:
    case 4:
      payload = objectText(f, fields.body);
      break;
    case 5:
      payload = JSON.stringify({ [fields.body[0] ?? 'x']: 'y'.repeat(300 * 1024) });
      break;
    default:
      payload = f.chance(0.5) ? objectText(f, fields.body) : f.string();
      type = f.pick(['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-7', '']);
  }
  if (type !== '') headers['content-type'] = type;
  return { ...request, payload, bodyKind: `${kind}:${type}` };
}
