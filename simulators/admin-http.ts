// The simulator's admin endpoint: look at the plant, inject and clear faults, change the speed.
// Loopback only: it is bound to 127.0.0.1 and refuses any other peer, since it can break the plant.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Type } from '@sinclair/typebox';
import { SpeedSchema } from '../model/config.ts';
import { HeatScadaError, isHeatScadaError } from '../model/errors.ts';
import { TAGS } from '../model/tags.ts';
import { validateDocument } from '../model/validate.ts';
import type { SimClock } from './clock.ts';
import { FaultRequestSchema, type ActiveFault } from './faults/schema.ts';
import type { EndpointGroup } from './manifest.ts';
import type { Plant } from './plant.ts';

export const ADMIN_HOST = '127.0.0.1';
export const MAX_BODY_BYTES = 64 * 1024;

const SpeedRequestSchema = Type.Object({ speed: SpeedSchema }, { additionalProperties: false });

export interface AdminContext {
  plant: Plant;
  clock: Pick<SimClock, 'speed' | 'setSpeed' | 'droppedS'>;
  endpoints: readonly EndpointGroup[];
  /** Told of every fault started or cleared through this endpoint. */
  onFault?: (change: 'injected' | 'cleared', fault: ActiveFault) => void;
}

export interface AdminServer {
  url: string;
  port: number;
  close(): Promise<void>;
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
  {
    method: 'GET',
    pattern: /^\/substations\/([^/]+)$/,
    handle: ({ plant }, [id]) => {
      if (!plant.net.indexOf.has(id)) throw new HeatScadaError('HS_ERR_UNKNOWN_SUBSTATION', `"${id}"`, '/id');
      const values = Object.fromEntries(TAGS.map((t) => [t.name, plant.read(id, t.name)]));
      return ok({ id, protocol: plant.protocolOf(id), answers: plant.answers(id), time: new Date(plant.timeMs).toISOString(), values });
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

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6. */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return v4 === '::1' || /^127\.\d+\.\d+\.\d+$/.test(v4);
}

export function startAdminHttp(ctx: AdminContext, port: number): Promise<AdminServer> {
  const server = createServer((req, res) => {
    respond(ctx, req)
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
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

async function respond(ctx: AdminContext, req: IncomingMessage): Promise<Reply> {
  if (!isLoopback(req.socket.remoteAddress)) {
    req.resume();
    return { status: 403, body: new HeatScadaError('HS_ERR_BAD_REQUEST', 'the admin endpoint answers loopback clients only').toJSON() };
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
  return route.handle(ctx, params, await readJson(req));
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
