import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Logger } from 'pino';
import type { Server } from 'socket.io';
import type { AlarmRecord } from '../../alarms/alarm-store.ts';
import type { AlarmService } from '../../alarms/alarms.ts';
import { HeatScadaError } from '../../model/errors.ts';

// The alarm engine runs in one process (its state is in memory): on a cluster, the API node it
// runs in answers for it, and every other node hands it the alarm and work-order requests it
// gets, through the cluster link (serverSideEmit, answered by every node: the one with the engine
// with its answer, the others with null). The engine's node runs the request as if it had come
// to it — the same routes, schemas, guard (the caller's token, valid on every node) and audit,
// with the caller's address — so a node without the engine serves the alarm list and takes
// acknowledgements like the engine's own; its changes reach every node's `alarms` room through
// the adapter. The node that handed a request on does not audit it again.

const FORWARD = 'engine.forward';
const RECORDS = 'engine.alarms';

declare module 'fastify' {
  interface FastifyRequest {
    /** Answered by the node that runs the alarm engine: it audits the request, this node does not. */
    forwardedToEngine?: boolean;
  }
}

interface ForwardedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  remoteAddress: string;
}

interface ForwardedAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The headers a route may need; the rest (cookies among them) stay on this node. */
const REQUEST_HEADERS = ['authorization', 'content-type', 'accept', 'accept-language'];
const ANSWER_HEADERS = ['content-type', 'content-disposition'];

function pick(headers: Record<string, string | string[] | number | undefined>, names: readonly string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of names) {
    const value = headers[name];
    if (typeof value === 'string') picked[name] = value;
  }
  return picked;
}

const isForwardedRequest = (r: unknown): r is ForwardedRequest => {
  const f = r as Partial<ForwardedRequest> | null;
  return typeof f === 'object' && f !== null && typeof f.method === 'string' && typeof f.url === 'string' && /^\/api\/(alarms|work-orders)(\/|\?|$)/.test(f.url) && typeof f.headers === 'object' && typeof f.remoteAddress === 'string';
};

/** First answer that is not null: the engine's node's (there is one engine). */
function askEngine<T>(io: Server, event: string, body: unknown): Promise<T | undefined> {
  return new Promise((resolve) => {
    io.serverSideEmit(event, body, (_error: Error | null, answers: unknown[]) => resolve((answers ?? []).find((a): a is T => a !== null && a !== undefined)));
  });
}

/** On every node of a cluster: the engine's node answers, the others say they have no engine. */
export function answerForEngine(io: Server, app: FastifyInstance, alarms: AlarmService | undefined, log: Logger): void {
  io.on(FORWARD, (request: unknown, ack?: unknown) => {
    if (typeof ack !== 'function') return;
    if (!alarms || !isForwardedRequest(request)) return void ack(null);
    const injected = { method: request.method as 'GET', url: request.url, headers: request.headers, remoteAddress: request.remoteAddress, ...(request.body === undefined ? {} : { payload: JSON.stringify(request.body) }) };
    app.inject(injected).then(
      (r) => ack({ status: r.statusCode, headers: pick(r.headers, ANSWER_HEADERS), body: r.body } satisfies ForwardedAnswer),
      (e: unknown) => {
        log.error({ code: 'HS_ERR_INTERNAL', url: request.url, reason: (e as Error).message }, 'a request handed on by another node failed');
        ack(null);
      },
    );
  });
  io.on(RECORDS, (_body: unknown, ack?: unknown) => {
    if (typeof ack === 'function') ack(alarms ? alarms.engine.records() : null);
  });
}

export interface EngineForward {
  /** The alarm and work-order routes' handler on a node without the engine: the engine's node answers. */
  preHandler: preHandlerAsyncHookHandler;
  /** The current alarms, from the engine's node; undefined when no node runs one. */
  records(): Promise<AlarmRecord[] | undefined>;
}

export function forwardToEngine(io: () => Server | undefined): EngineForward {
  return {
    async preHandler(request: FastifyRequest, reply: FastifyReply) {
      const server = io();
      const forwarded: ForwardedRequest = { method: request.method, url: request.url, headers: pick(request.headers, REQUEST_HEADERS), remoteAddress: request.ip, ...(request.body === undefined ? {} : { body: request.body }) };
      const answer = server && (await askEngine<ForwardedAnswer>(server, FORWARD, forwarded));
      if (!answer) throw new HeatScadaError('HS_ERR_ALARMS_OFF', 'no node of the cluster runs the alarm engine');
      request.forwardedToEngine = true;
      return reply.code(answer.status).headers(answer.headers).send(answer.body);
    },
    async records() {
      const server = io();
      return server && (await askEngine<AlarmRecord[]>(server, RECORDS, {}));
    },
  };
}
