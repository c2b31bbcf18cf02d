// A secret kept in a file of its own (mode 0600): read when it exists, made from random bytes
// when it does not. Secrets are never defaults in code or configuration; the first start
// makes them, later starts keep them.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HeatScadaError } from '../../model/errors.ts';
import { generatePassword } from '../../model/secrets.ts';

/** The secret in `file`, created first if missing; `at` names the configuration field in errors. */
export function readOrCreateSecret(file: string, at: string): string {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // Written aside and linked into place: link fails if the file exists, so two processes
  // starting together agree on one secret and nobody reads a half-written file.
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(draft, `${generatePassword()}\n`, { mode: 0o600 });
  try {
    linkSync(draft, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new HeatScadaError('HS_ERR_CONFIG_INVALID', `cannot create ${file}: ${(err as Error).message}`, at);
  } finally {
    unlinkSync(draft);
  }
  const secret = readFileSync(file, 'utf8').trim();
  if (secret === '') throw new HeatScadaError('HS_ERR_CONFIG_INVALID', `${file} is empty`, at);
  return secret;
}

/** Compared as digests in constant time, so the answer's timing says nothing about the secret. */
export function sameSecret(given: string, secret: string): boolean {
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(secret));
}
