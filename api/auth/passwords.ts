import { hash, verify, type Options } from '@node-rs/argon2';
import { HeatScadaError } from '../../model/errors.ts';
import { PASSWORD_LENGTH } from '../../model/security.ts';

// Passwords are stored only as Argon2id hashes (memory-hard: a stolen users table is expensive
// to brute-force). Parameters: OWASP's first recommendation (19 MiB, 2 passes, 1 lane).

/** Algorithm.Argon2id: the package's const enum cannot be inlined by the per-file transpiler. */
const ARGON2ID = 2;
const OPTIONS: Options = { algorithm: ARGON2ID as Options['algorithm'], memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/** Refuses a password too short (or absurdly long) to be set, naming the field. */
export function checkPasswordPolicy(password: string, path = 'body.password'): void {
  if (password.length < PASSWORD_LENGTH.min) throw new HeatScadaError('HS_ERR_BAD_REQUEST', `a password has at least ${PASSWORD_LENGTH.min} characters`, path);
  if (password.length > PASSWORD_LENGTH.max) throw new HeatScadaError('HS_ERR_BAD_REQUEST', `a password has at most ${PASSWORD_LENGTH.max} characters`, path);
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

/** False for a wrong password and for a hash that is not a PHC Argon2 string. */
export async function passwordMatches(storedHash: string, password: string): Promise<boolean> {
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}
