// node-opcua's own client needs a PKI of its own. The tests that use it as a plain OPC UA client
// are not about that PKI, so it trusts whichever server it meets.

import { OPCUACertificateManager } from 'node-opcua';

export interface ClientPki {
  manager: OPCUACertificateManager;
  dispose(): Promise<void>;
}

export function trustingClientPki(rootFolder: string): ClientPki {
  const manager = new OPCUACertificateManager({ rootFolder, automaticallyAcceptUnknownCertificate: true, disableFileWatchers: true });
  return {
    manager,
    dispose: async () => {
      // Every client that used it counted itself in; the test is done with all of them.
      manager.referenceCounter = 0;
      await manager.dispose();
    },
  };
}
