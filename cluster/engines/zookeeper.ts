// Debian's ZooKeeper (3.8, Java 17) on loopback, standalone, as a child process with its own
// zoo.cfg and data in a folder the caller owns: the coordinator of the ClickHouse cluster's
// replication and ON CLUSTER DDL. Started again on the same folder it keeps its data.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { HeatScadaError } from '../../model/errors.ts';
import { startChildServer, type ChildServer } from './child-server.ts';

export interface ZooKeeperServer extends ChildServer {
  readonly port: number;
  /** host:port, as clients and ClickHouse's <zookeeper> section take it. */
  readonly connectString: string;
  readonly dir: string;
}

const JAR = '/usr/share/java/zookeeper.jar';
const JAVA = '/usr/bin/java';
const READY_TIMEOUT_MS = 30_000;

/** zoo.cfg for one standalone server; the four-letter words are what readiness and tests use. */
export function zooCfg(port: number, dataDir: string): string {
  return [
    'tickTime=500',
    'initLimit=10',
    'syncLimit=5',
    `dataDir=${dataDir}`,
    `clientPort=${port}`,
    'clientPortAddress=127.0.0.1',
    'admin.enableServer=false',
    '4lw.commands.whitelist=ruok,srvr,conf',
    // Loopback tests restart it often: keep the snapshots from piling up.
    'autopurge.snapRetainCount=3',
    'autopurge.purgeInterval=1',
    '',
  ].join('\n');
}

/** Starts ZooKeeper on 127.0.0.1:port with its data in dir (created if missing); resolves once it serves. */
export async function startZooKeeper(port: number, dir: string): Promise<ZooKeeperServer> {
  const dataDir = path.resolve(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const cfg = path.resolve(dir, 'zoo.cfg');
  writeFileSync(cfg, zooCfg(port, dataDir));
  if (!existsSync(JAR)) throw new HeatScadaError('HS_ERR_CONFIG_INVALID', `${JAR} is missing (apt-get install zookeeper)`);
  // The jar's manifest names its dependencies; without a log binding slf4j stays quiet.
  const server = await startChildServer({
    name: `zookeeper on 127.0.0.1:${port}`,
    binary: JAVA,
    args: ['-Xms32m', '-Xmx256m', '-XX:+UseSerialGC', '-cp', JAR, 'org.apache.zookeeper.server.quorum.QuorumPeerMain', cfg],
    cwd: dir,
    install: 'apt-get install zookeeper default-jre-headless',
    // Only this server's conf names this data folder.
    answersAsItself: async () => (await fourLetterWord(port, 'conf')).includes(`dataDir=${dataDir}`) && (await fourLetterWord(port, 'ruok')) === 'imok',
    readyTimeoutMs: READY_TIMEOUT_MS,
  });
  return { ...server, port, connectString: `127.0.0.1:${port}`, dir };
}

/** Sends a four-letter word (ruok, srvr, conf) and resolves with the whole answer. */
export function fourLetterWord(port: number, word: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(word));
    let reply = '';
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`${word}: no answer within ${timeoutMs} ms`)));
    socket.on('data', (b: Buffer) => (reply += b.toString()));
    socket.once('error', reject);
    socket.once('close', () => resolve(reply));
  });
}
