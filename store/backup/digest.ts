import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

// What a backup records of each copy and restore checks before it writes anything.

export interface Digest {
  bytes: number;
  sha256: string;
}

/** SHA-256 and length of a file, streamed (a store is gigabytes). */
export async function digestFile(file: string): Promise<Digest> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: hash.digest('hex') };
}
