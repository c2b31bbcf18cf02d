// aedes-persistence-redis ships no types: what broker/cluster.ts uses of it. It returns an
// aedes persistence (aedes takes it as `any`) over the ioredis connection it is given.
declare module 'aedes-persistence-redis' {
  import type { Redis } from 'ioredis';

  export default function redisPersistence(options: { conn: Redis }): object;
}
