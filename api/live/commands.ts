import type { AlarmEngine } from '../../alarms/engine.ts';
import type { AuditAction } from '../../model/audit.ts';
import { HeatScadaError } from '../../model/errors.ts';
import type { Role } from '../../model/security.ts';

// What a socket.io client may ask besides subscribing: commands, each with the role it needs
// and its audit action, like the REST routes. Answered on the event's acknowledgement:
// { ok: true, result } or { ok: false, code, message }.

export interface LiveCommand {
  access: Role;
  action: AuditAction;
  /** What the command acts on, for the audit record (the body is validated first by run). */
  target(body: unknown): string;
  run(actor: string, body: unknown): unknown;
}

export type CommandReply = { ok: true; result: unknown } | { ok: false; code: string; message: string };

const MAX_COMMENT = 1000;

function alarmRequest(body: unknown): { id: number; comment: string } {
  const { id, comment = '' } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (!Number.isSafeInteger(id) || (id as number) < 1) throw new HeatScadaError('HS_ERR_BAD_REQUEST', 'id must be an alarm id', 'id');
  if (typeof comment !== 'string' || comment.length > MAX_COMMENT) throw new HeatScadaError('HS_ERR_BAD_REQUEST', `comment must be a string of at most ${MAX_COMMENT} characters`, 'comment');
  return { id: id as number, comment };
}

/** `alarm.ack { id, comment? }`: acknowledge from the alarm list without a round trip over REST. */
export function alarmCommands(engine: Pick<AlarmEngine, 'ack'> | undefined): Record<string, LiveCommand> {
  return {
    'alarm.ack': {
      access: 'operator',
      action: 'alarm.ack',
      target: (body) => `alarm:${String((body as { id?: unknown } | null)?.id)}`,
      run(actor, body) {
        const { id, comment } = alarmRequest(body);
        if (!engine) throw new HeatScadaError('HS_ERR_ALARMS_OFF');
        return engine.ack(id, actor, comment);
      },
    },
  };
}
