// Who may do what: the four roles of the platform, ordered so that a larger role includes the
// smaller ones. Shared by the API (route guards), socket.io (live commands) and the web app.

export const ROLES = ['viewer', 'operator', 'engineer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** What a route needs: a role, or 'public' for the few routes that must work before login. */
export type Access = Role | 'public';

/** Password length bounds, the same for the API's check and the web form's. */
export const PASSWORD_LENGTH = { min: 12, max: 256 } as const;

/** A known caller: a person (user name) or a machine principal (collector, control, …). */
export interface Principal {
  name: string;
  role: Role;
}

export function roleRank(role: Role): number {
  return ROLES.indexOf(role);
}

/** True when `held` is `needed` or a larger role. */
export function roleAllows(held: Role, needed: Role): boolean {
  return roleRank(held) >= roleRank(needed);
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
