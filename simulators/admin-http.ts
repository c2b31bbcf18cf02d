// The simulator's admin endpoint: look at the plant, inject and clear faults, move loops
// through the season's phases, change the speed.
// It can break the plant, so it answers only a program on this machine: bound to 127.0.0.1, it
// refuses any other peer; a request must name a loopback Host (a page served from a rebound
// DNS name does not), carry no Origin (a browser sends one from every page that is not ours),
// send its body as application/json (an HTML form cannot) and carry the token kept 0600 in
// <data_dir>/secrets/sim-admin.token (a page cannot read it).

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import { SpeedSchema } from './config-schema.ts';
import { HeatScadaError, isHeatScadaError } from '../model/errors.ts';
import { TAGS } from '../model/tags.ts';
import { validateDocument } from '../model/validate.ts';
import type { SimClock } from './clock.ts';
import { FaultRequestSchema, SeasonCommandSchema, type ActiveFault } from './faults/schema.ts';
import { hostOfHeader, isLoopback, isLoopbackHost } from './loopback.ts';
import type { EndpointGroup } from './manifest.ts';
import type { Plant, SeasonChange } from './plant.ts';
import { readOrCreateSecret, sameSecret } from './servers/secret-file.ts';

export const ADMIN_HOST = '127.0.0.1';
export const MAX_BODY_BYTES = 64 * 1024;

const SpeedRequestSchema = Type.Object({ speed: SpeedSchema }, { additionalProperties: false });
const SeasonRequestSchema = Type.Object(
  { ...SeasonCommandSchema.properties, at_s: Type.Optional(Type.Number({ minimum: 0, description: 'simulated seconds after the start; now if absent or past' })) },
  { additionalProperties: false },
);

export interface AdminContext {
  plant: Plant;
  clock: Pick<SimClock, 'speed' | 'setSpeed' | 'droppedS'>;
  endpoints: readonly EndpointGroup[];
  /** Told of every fault started or cleared through this endpoint. */
  onFault?: (change: 'injected' | 'cleared', fault: ActiveFault) => void;
  /** Told of every season phase commanded through this endpoint. */
  onSeason?: (change: SeasonChange) => void;
}

export interface AdminServer {
  url: string;
  port: number;
  /** Where the token is: send it as `Authorization: Bearer <token>`. */
  tokenFile: string;
  close(): Promise<void>;
}

export function adminTokenFile(dataDir: string): string {
  return path.join(dataDir, 'secrets', 'sim-admin.token');
}

interface Reply {
  status: number;
  body: unknown;
}

interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  pattern: RegExp;
  handle(ctx: AdminContext, params: string[], body: unknown): Reply;
}

const ok = (body: unknown, status = 200): Reply => ({ status, body });

const ROUTES: Route[] = [
  {
    method: 'GET',
    pattern: /^\/status$/,
    handle: ({ plant, clock, endpoints }) =>
      ok({ ...plant.summary(), time: new Date(plant.timeMs).toISOString(), speed: clock.speed, droppedS: clock.droppedS, endpoints }),
  },
  { method: 'GET', pattern: /^\/faults$/, handle: ({ plant }) => ok(plant.faults.list()) },
  {
    method: 'POST',
    pattern: /^\/faults$/,
    handle: ({ plant, onFault }, _params, body) => {
      const fault = plant.injectFault(validateDocument(FaultRequestSchema, body, 'HS_ERR_FAULT_INVALID'));
      onFault?.('injected', fault);
      return ok(fault, 201);
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/faults\/(\d+)$/,
    handle: ({ plant, onFault }, [id]) => {
      const fault = plant.clearFault(Number(id));
      onFault?.('cleared', fault);
      return ok(fault);
    },
  },
  { method: 'GET', pattern: /^\/season$/, handle: ({ plant }) => ok(plant.season()) },
  {
    method: 'POST',
    pattern: /^\/season$/,
    handle: ({ plant, onSeason }, _params, body) => {
      const { at_s: atS, ...command } = validateDocument(SeasonRequestSchema, body, 'HS_ERR_SEASON_EVENT_INVALID');
      const change = plant.commandSeason(command, atS);
      onSeason?.(change);
      return ok(change, change.scheduled ? 202 : 200);
    },
  },
  {
    method: 'GET',
    pattern: /^\/substations\/([^/]+)$/,
    handle: ({ plant }, [id]) => {
      if (!plant.net.indexOf.has(id)) throw new HeatScadaError('HS_ERR_UNKNOWN_SUBSTATION', `"${id}"`, '/id');
      const values = Object.fromEntries(TAGS.map((t) => [t.name, plant.read(id, t.name)]));
      return ok({ id, protocol: plant.protocolOf(id), answers: plant.answers(id), season_phase: plant.seasonPhaseOf(id), time: new Date(plant.timeMs).toISOString(), values });
    },
  },
  {
    method: 'POST',
    pattern: /^\/speed$/,
    handle: ({ clock }, _params, body) => {
      clock.setSpeed(validateDocument(SpeedRequestSchema, body, 'HS_ERR_BAD_REQUEST').speed);
      return ok({ speed: clock.speed });
    },
  },
];

/** Listens on 127.0.0.1:`port`; the token is read from `<dataDir>/secrets/sim-admin.token`, made at first start. */
export function startAdminHttp(ctx: AdminContext, port: number, dataDir: string): Promise<AdminServer> {
  const tokenFile = adminTokenFile(dataDir);
  const token = readOrCreateSecret(tokenFile, '/simulate/data_dir');
  const server = createServer((req, res) => {
    respond(ctx, req, token)
      .catch(errorReply)
      .then((reply) => send(res, reply));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, ADMIN_HOST, () => {
      server.off('error', reject);
      const bound = (server.address() as AddressInfo).port;
      resolve({
        url: `http://${ADMIN_HOST}:${bound}`,
        port: bound,
        tokenFile,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

async function respond(ctx: AdminContext, req: IncomingMessage, token: string): Promise<Reply> {
  const refusal = refuse(req, token);
  if (refusal) {
    req.resume();
    throw refusal;
  }
  const pathname = new URL(req.url ?? '/', 'http://admin').pathname;
  const route = ROUTES.find((r) => r.method === req.method && r.pattern.test(pathname));
  if (!route) {
    req.resume();
    throw new HeatScadaError('HS_ERR_NOT_FOUND', `no route ${req.method ?? ''} ${pathname}`);
  }
  const params = route.pattern.exec(pathname)!.slice(1);
  if (req.method !== 'POST') {
    req.resume();
    return route.handle(ctx, params, undefined);
  }
  if (!isJson(req.headers['content-type'])) {
    req.resume();
    throw new HeatScadaError('HS_ERR_SIM_ADMIN_CONTENT_TYPE', `content-type is ${req.headers['content-type'] ?? 'missing'}`, 'content-type');
  }
  return route.handle(ctx, params, await readJson(req));
}

/** Why a request is not from a program on this machine holding the token, if it is not. */
function refuse(req: IncomingMessage, token: string): HeatScadaError | undefined {
  if (!isLoopback(req.socket.remoteAddress)) return new HeatScadaError('HS_ERR_SIM_ADMIN_LOOPBACK', `peer ${req.socket.remoteAddress ?? 'unknown'}`);
  const host = req.headers.host;
  if (host === undefined || !isLoopbackHost(hostOfHeader(host))) return new HeatScadaError('HS_ERR_SIM_ADMIN_LOOPBACK', `Host ${host ?? 'missing'}`, 'host');
  if (req.headers.origin !== undefined) return new HeatScadaError('HS_ERR_SIM_ADMIN_ORIGIN', `Origin ${req.headers.origin}`, 'origin');
  const bearer = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (bearer === undefined || !sameSecret(bearer, token)) return new HeatScadaError('HS_ERR_SIM_ADMIN_TOKEN', undefined, 'authorization');
  return undefined;
}

/** application/json, with or without parameters (charset). */
function isJson(contentType: string | undefined): boolean {
  return contentType?.split(';')[0]?.trim().toLowerCase() === 'application/json';
}

function errorReply(e: unknown): Reply {
  const error = isHeatScadaError(e) ? e : new HeatScadaError('HS_ERR_INTERNAL', e instanceof Error ? e.message : String(e));
  return { status: error.status, body: error.toJSON() };
}

function send(res: ServerResponse, reply: Reply): void {
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The body as JSON, read to the end but kept only up to MAX_BODY_BYTES. */
function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) {
        reject(new HeatScadaError('HS_ERR_BAD_REQUEST', `body is larger than ${MAX_BODY_BYTES} bytes`, '/'));
        return;
      }
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(JSON.parse(text));
      } catch (e) {
        reject(new HeatScadaError('HS_ERR_BAD_REQUEST', `body is not JSON: ${(e as Error).message}`, '/'));
      }
    });
  });
}
