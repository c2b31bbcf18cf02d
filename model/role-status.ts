import { Type, type Static } from '@sinclair/typebox';
import { HeatScadaError } from './errors.ts';
import { validateMessage } from './validate.ts';

// What a role says about its own health, over MQTT (outside the Sparkplug namespace: it is the
// platform's state, not a plant's): one retained message per role instance at
// heatscada/status/<role>/<instance>, so an alarm engine that starts late still learns of a
// disk that filled earlier. The broker lets each principal publish its own topic only
// (broker/acl.ts); the alarm engine follows them all (alarms/role-status-feed.ts).

export const ROLE_STATUS_PREFIX = 'heatscada/status';

export const ROLE_CONDITIONS = ['ok', 'disk_full'] as const;
export type RoleCondition = (typeof ROLE_CONDITIONS)[number];

/** One topic level: not empty, no separator, no wildcard. */
const LEVEL = '^[^/+#]+$';

export const RoleStatusSchema = Type.Object(
  {
    role: Type.String({ pattern: LEVEL, description: 'historian, collector, …' }),
    instance: Type.String({ pattern: LEVEL, description: "the role's own id: a historian's host id, a collector's <group>-<edge node>" }),
    status: Type.Unsafe<RoleCondition>({ type: 'string', enum: [...ROLE_CONDITIONS] }),
    detail: Type.String({ maxLength: 1000, description: 'for people: what is held, what was lost' }),
    path: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, description: 'the file on the full disk' })),
    at: Type.Number({ minimum: 0, description: 'ms UTC, when the role last changed its word' }),
  },
  { additionalProperties: false },
);
export type RoleStatus = Static<typeof RoleStatusSchema>;

/** heatscada/status/<role>/<instance> */
export const roleStatusTopic = (role: string, instance: string): string => `${ROLE_STATUS_PREFIX}/${role}/${instance}`;

/** A collector's instance: its Sparkplug group and edge node id (the names of its buffer files too). */
export const collectorInstance = (group: string, edgeNodeId: string): string => `${group}-${edgeNodeId}`;

/** Every role instance's status. */
export const ROLE_STATUS_FILTER = `${ROLE_STATUS_PREFIX}/+/+`;

export const encodeRoleStatus = (status: RoleStatus): Buffer => Buffer.from(JSON.stringify(status));

/** The status a message carries; HS_ERR_ROLE_STATUS_INVALID naming the bad field otherwise. */
export function parseRoleStatus(topic: string, payload: Uint8Array): RoleStatus {
  const status = validateMessage(RoleStatusSchema, payload, 'HS_ERR_ROLE_STATUS_INVALID', 'role status');
  // The topic is where the broker let it be published: the payload may not speak for another role.
  if (topic !== roleStatusTopic(status.role, status.instance)) {
    throw new HeatScadaError('HS_ERR_ROLE_STATUS_INVALID', `${status.role}/${status.instance} is not the topic's (${topic})`, '/instance');
  }
  return status;
}

/** Sends a status message (retained, QoS 1); the caller's MQTT client. */
export type RoleStatusSend = (topic: string, payload: Buffer) => void;

/** A role instance's current word: sent when it changes, and again after each (re)connection. */
export class RoleStatusReporter {
  private current: RoleStatus | undefined;

  constructor(
    readonly role: string,
    readonly instance: string,
    private readonly send: RoleStatusSend,
  ) {}

  get status(): RoleStatus | undefined {
    return this.current;
  }

  report(status: RoleCondition, detail: string, path?: string, at = Date.now()): void {
    const held = this.current;
    if (held && held.status === status && held.detail === detail && held.path === path) return;
    this.current = { role: this.role, instance: this.instance, status, detail, ...(path === undefined ? {} : { path }), at };
    this.resend();
  }

  /** Sends the current word again (a new connection: the broker may have lost it). */
  resend(): void {
    if (this.current) this.send(roleStatusTopic(this.role, this.instance), encodeRoleStatus(this.current));
  }
}
