import { describe, expect, it } from 'vitest';
import { clickHouseConfig } from './clickhouse-server.ts';
import { zooCfg } from './zookeeper.ts';

// The servers themselves start in store/clickhouse/clickhouse-store.test.ts (once per file:
// one node, a 2 × 2 cluster with ZooKeeper, a port already taken); here only the generated configs.

describe('generated engine configs', () => {
  it('a cluster node gets its ports, macros, ZooKeeper, remote_servers with internal_replication and distributed DDL', () => {
    const xml = clickHouseConfig(
      {
        dir: '/tmp/ch/node<1>',
        httpPort: 18123,
        tcpPort: 19000,
        interserverPort: 19009,
        zookeeper: ['127.0.0.1:12181'],
        macros: { shard: '2', replica: 's2-r1' },
        clusters: { heat: [[{ host: '127.0.0.1', port: 19000 }], [{ host: '127.0.0.1', port: 19001 }, { host: '127.0.0.1', port: 19002 }]] },
      },
      'id-1',
    );
    expect(xml).toContain('<http_port>18123</http_port>');
    expect(xml).toContain('<listen_host>127.0.0.1</listen_host>');
    expect(xml).toContain('<path>/tmp/ch/node&lt;1&gt;/data/</path>');
    expect(xml).toContain('<macros><shard>2</shard><replica>s2-r1</replica><instance>id-1</instance></macros>');
    expect(xml).toContain('<zookeeper><node><host>127.0.0.1</host><port>12181</port></node>');
    expect(xml).toContain(
      '<heat><shard><internal_replication>true</internal_replication><replica><host>127.0.0.1</host><port>19000</port></replica></shard>' +
        '<shard><internal_replication>true</internal_replication><replica><host>127.0.0.1</host><port>19001</port></replica><replica><host>127.0.0.1</host><port>19002</port></replica></shard></heat>',
    );
    expect(xml).toContain('<distributed_ddl>');
  });

  it('a single node has no ZooKeeper, cluster or distributed DDL', () => {
    const xml = clickHouseConfig({ dir: '/tmp/ch/one', httpPort: 1, tcpPort: 2, interserverPort: 3 }, 'id-2');
    for (const absent of ['<zookeeper>', '<remote_servers>', '<distributed_ddl>']) expect(xml).not.toContain(absent);
  });

  it('ZooKeeper listens on loopback only with the four-letter words readiness uses', () => {
    const cfg = zooCfg(12181, '/tmp/ch/zk/data');
    expect(cfg).toMatch(/^clientPort=12181$/m);
    expect(cfg).toMatch(/^clientPortAddress=127\.0\.0\.1$/m);
    expect(cfg).toMatch(/^4lw\.commands\.whitelist=ruok,srvr,conf$/m);
    expect(cfg).toMatch(/^admin\.enableServer=false$/m);
  });
});
