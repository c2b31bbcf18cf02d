// The simulator's OPC UA PKI: <root>/opcua-server (the servers' own certificate and key, the
// trusted and rejected client certificates) and <root>/opcua-user (X509 user tokens). Every
// endpoint of the process using one root shares one pair of certificate managers, initialised
// once, so the key and certificate are created once, not per endpoint, and parallel starts do
// not race; node-opcua-pki's file locks cover other processes sharing the folder. The folder
// is kept across restarts: later starts read the certificate instead of making one.
// acceptUnknownClients concerns client applications (the secure channel) only: the user manager
// never takes a certificate it was not given, so a self-made certificate is never a login.

import path from 'node:path';
import { OPCUACertificateManager } from 'node-opcua';

export interface ServerPki {
  server: OPCUACertificateManager;
  user: OPCUACertificateManager;
  /** Another server of this endpoint (a restart) takes the managers, whose shutdown gives one use back. */
  reuse(): void;
  /** Gives this endpoint's share back; the last one disposes the managers. */
  release(): Promise<void>;
}

interface Shared {
  server: OPCUACertificateManager;
  user: OPCUACertificateManager;
  ready: Promise<void>;
  endpoints: number;
}
const shared = new Map<string, Shared>();

/** The managers for this root (created on first use); acceptUnknownClients is fixed per root and setting. */
export async function acquireServerPki(root: string, acceptUnknownClients: boolean): Promise<ServerPki> {
  const key = `${path.resolve(root)}\n${acceptUnknownClients}`;
  let pki = shared.get(key);
  if (!pki) {
    const manager = (folder: string, acceptUnknown: boolean): OPCUACertificateManager =>
      new OPCUACertificateManager({ rootFolder: path.resolve(root, folder), automaticallyAcceptUnknownCertificate: acceptUnknown, disableFileWatchers: true });
    const server = manager('opcua-server', acceptUnknownClients);
    const user = manager('opcua-user', false);
    pki = { server, user, ready: Promise.all([server.initialize(), user.initialize()]).then(() => undefined), endpoints: 0 };
    shared.set(key, pki);
  }
  const current = pki;
  current.endpoints++;
  // Each server's shutdown calls dispose() on both managers; node-opcua's reference counter
  // turns that into a decrement while other endpoints still use them.
  current.server.referenceCounter++;
  current.user.referenceCounter++;
  let released = false;
  const release = async (): Promise<void> => {
    if (released) return;
    released = true;
    if (--current.endpoints > 0) return;
    shared.delete(key);
    // The last endpoint gone, the managers are disposed for real, whatever their counters say.
    current.server.referenceCounter = 0;
    current.user.referenceCounter = 0;
    await Promise.all([current.server.dispose(), current.user.dispose()]);
  };
  try {
    await current.ready;
  } catch (err) {
    await release();
    throw err;
  }
  const reuse = (): void => {
    current.server.referenceCounter++;
    current.user.referenceCounter++;
  };
  return { server: current.server, user: current.user, reuse, release };
}
