import { createHash } from 'node:crypto';
import { userInfo } from 'node:os';
import type { AuditRecord, AuditTrail } from '../../model/audit.ts';

// A configuration edited on disk changes what the plant does as surely as a change made in
// the UI: each start that loads a configuration different from the last one audited appends a
// `config.change` with the old and new fingerprint, so the log shows when it changed and who
// started the platform with it. Only the hash is kept: the document may hold passwords.

export const CONFIG_TARGET = 'config';

/** SHA-256 of the validated configuration (defaults filled, command-line options applied). */
export function configFingerprint(config: unknown): string {
  return createHash('sha256').update(JSON.stringify(config)).digest('hex');
}

/** Appends a record when the configuration differs from the last start's; the record, or undefined when unchanged. */
export function auditConfigLoad(trail: AuditTrail, config: unknown, source: string): AuditRecord | undefined {
  const fingerprint = configFingerprint(config);
  const [last] = trail.search({ action: 'config.change', target: CONFIG_TARGET, limit: 1 });
  if (last?.newValue === fingerprint) return undefined;
  return trail.append({
    actor: `cli:${userInfo().username}`,
    source,
    action: 'config.change',
    target: CONFIG_TARGET,
    oldValue: last?.newValue ?? null,
    newValue: fingerprint,
    outcome: 'ok',
    detail: last ? 'started with a configuration changed since the last start' : 'first start with this store',
  });
}
