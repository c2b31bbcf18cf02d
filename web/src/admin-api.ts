// Users (admin) and the audit trail (engineer; the chain check admin) as the web uses them.

import type { AuditQuery, AuditRecord, ChainCheck } from '../../model/audit.ts';
import type { Role } from '../../model/security.ts';
import type { UserChange, UserInfo as UserRow } from '../../api/auth/user-store.ts';
import { download, request } from './api.ts';

export type { AuditQuery, AuditRecord, ChainCheck, UserChange, UserRow };

const userUrl = (name: string) => `api/users/${encodeURIComponent(name)}`;

function auditParams(q: AuditQuery): string {
  const entries = Object.entries(q).filter(([, v]) => v !== undefined && v !== '');
  return new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString();
}

export const adminApi = {
  users: () => request<UserRow[]>('GET', 'api/users'),
  /** `crew`: the crew (alarms.crews[].id) of a crew user, which needs one. */
  addUser: (name: string, role: Role, password: string, crew?: string) => request<unknown>('POST', 'api/users', { name, role, password, ...(crew ? { crew } : {}) }),
  changeUser: (name: string, change: UserChange) => request<unknown>('PATCH', userUrl(name), change),
  deleteUser: (name: string) => request<void>('DELETE', userUrl(name)),
  audit: (q: AuditQuery) => request<{ records: AuditRecord[] }>('GET', `api/audit?${auditParams(q)}`),
  exportAudit: (q: AuditQuery) => download(`api/audit.csv?${auditParams({ ...q, limit: undefined, before: undefined })}`, 'heatscada-audit.csv'),
  verifyAudit: () => request<ChainCheck>('GET', 'api/audit/verify'),
};
