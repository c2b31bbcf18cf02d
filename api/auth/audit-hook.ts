import type { FastifyInstance, FastifyReply, FastifyRequest, onSendHookHandler } from 'fastify';
import type { AuditAction, AuditOutcome, AuditTrail } from '../../model/audit.ts';

// Every change a person makes through the API is audited the same way: the route declares
// `config: { audit: { action, target } }` and this hook appends one record as the answer is
// about to go out (onSend: the record exists before the caller hears the outcome) — who (the
// principal), from where, what, the outcome from the status and, when it was refused, the
// HS_ERR code. A handler may add the old and new value it knows.

export interface AuditSpec {
  action: AuditAction;
  /** What was acted on ('alarm:42', 'S001', 'curve', 'user:alice'), from the request. */
  target(request: FastifyRequest): string;
}

export interface AuditValues {
  /** The target once the handler knows it (the id of what it created); the route's otherwise. */
  target?: string;
  oldValue?: string | number | null;
  newValue?: string | number | null;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    audit?: AuditSpec;
  }
  interface FastifyRequest {
    /** Old and new value of an audited change, when the handler knows them. */
    auditValues: AuditValues | undefined;
  }
}

export function outcomeOf(status: number): AuditOutcome {
  if (status < 400) return 'ok';
  return status >= 500 ? 'failed' : 'refused';
}

function target(spec: AuditSpec, request: FastifyRequest): string {
  try {
    return spec.target(request);
  } catch {
    // A request refused before validation may lack what the target is made of.
    return request.routeOptions.url ?? request.url;
  }
}

/**
 * Audits the requests of identified callers to routes that declare `audit`. A request refused
 * with 401 has no caller to name and is not recorded (failed sign-ins are, by the login route).
 */
export function installAuditHook(app: FastifyInstance, trail: AuditTrail): void {
  app.decorateRequest('auditValues', undefined);
  const record = (spec: AuditSpec): onSendHookHandler => async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    // A request another node answered (api/cluster/engine-forward.ts) is audited there.
    if (!request.principal || request.forwardedToEngine) return payload;
    const outcome = outcomeOf(reply.statusCode);
    try {
      trail.append({
        actor: request.principal.name,
        source: request.ip,
        action: spec.action,
        target: request.auditValues?.target ?? target(spec, request),
        oldValue: request.auditValues?.oldValue,
        newValue: request.auditValues?.newValue,
        outcome,
        detail: outcome === 'ok' ? '' : (request.errorCode ?? `HTTP ${reply.statusCode}`),
      });
    } catch (e) {
      request.log.error({ code: 'HS_ERR_INTERNAL', action: spec.action, reason: (e as Error).message }, 'audit record not written');
    }
    return payload;
  };
  // Only routes that declare `audit` carry the hook: reads pay nothing for it.
  app.addHook('onRoute', (route) => {
    const spec = route.config?.audit;
    if (!spec) return;
    route.onSend = [...(route.onSend === undefined ? [] : Array.isArray(route.onSend) ? route.onSend : [route.onSend]), record(spec)];
  });
}
