import { Type, type Static } from '@sinclair/typebox';

// A hot-standby pair (control, alarms): two instances, one active, chosen by a lease in Redis
// (cluster/lease.ts). This is the `standby:` subsection of their configuration sections and the
// state the lease reports. Without the subsection an instance runs alone, as it always did.

const ID = '^[^/+#\\s]+$';

export const StandbyConfigSchema = Type.Object(
  {
    redis_url: Type.String({ pattern: '^rediss?://', description: 'the coordinator holding the lease: redis://host:port' }),
    instance_id: Type.String({ minLength: 1, maxLength: 64, pattern: ID, description: 'this instance, unique in its pair (shown as the lease owner)' }),
    lease_ttl_s: Type.Number({ minimum: 0.5, maximum: 300, default: 5, description: 'the lease lapses this long after its holder stopped renewing it' }),
    poll_s: Type.Number({ minimum: 0.05, maximum: 60, default: 1, description: 'how often a standby tries to take the lease; takeover within lease_ttl_s + poll_s of a crash' }),
    key: Type.Optional(Type.String({ minLength: 1, description: 'the lease key in Redis; heatscada:lease:<role>:<group> when absent' })),
  },
  { additionalProperties: false, description: 'a hot-standby pair: one of two instances active by a lease in Redis; the instance runs alone without it' },
);
export type StandbyConfig = Static<typeof StandbyConfigSchema>;

/** What a lease says of its instance: active with its epoch, or standing by (with the holder, when one is known). */
export type LeaseState =
  | { role: 'active'; epoch: number; owner: string }
  | { role: 'standby'; holder: string | null; epoch: number | null };
