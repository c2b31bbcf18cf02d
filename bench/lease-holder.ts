// One member of a hot-standby pair and nothing else, for bench/cluster.ts's takeover trials: it
// holds or waits for the lease (cluster/lease.ts, with the `standby` section's defaults) and
// prints `active <epoch>` the moment it becomes the active one. argv: redisUrl key instanceId.

import { Value } from '@sinclair/typebox/value';
import { pino } from 'pino';
import { Lease, leaseOptions } from '../cluster/lease.ts';
import { StandbyConfigSchema, type StandbyConfig } from '../model/standby.ts';

const [redisUrl, key, instanceId] = process.argv.slice(2);
const config = Value.Default(StandbyConfigSchema, { redis_url: redisUrl, instance_id: instanceId }) as StandbyConfig;
const lease = await Lease.start(leaseOptions(config, key, pino({ level: 'warn' }, process.stderr)));
const sayIfActive = (): void => {
  if (lease.isActive()) process.stdout.write(`active ${lease.epoch()}\n`);
};
lease.listen(sayIfActive);
sayIfActive();
