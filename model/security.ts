// Who may do what. Four plant roles, ordered so that a larger role includes the smaller ones,
// and two service roles beside them: a hotline operator (takes residents' complaints, follows
// them up, and is the only one who sees their phone numbers) and a crew member (moves the work
// orders and complaints of their own crew, and sees the addresses of those only). A service role
// reads what a viewer reads, and the admin may do what the service roles may, except see phones.
// Shared by the API (route guards), socket.io (live commands) and the web app.

export const ROLES = ['viewer', 'operator', 'engineer', 'admin'] as const;
export const SERVICE_ROLES = ['hotline', 'crew'] as const;
export const ALL_ROLES = [...ROLES, ...SERVICE_ROLES] as const;
export type PlantRole = (typeof ROLES)[number];
export type ServiceRole = (typeof SERVICE_ROLES)[number];
export type Role = PlantRole | ServiceRole;

/** What a route needs: a role, or 'public' for the few routes that must work before login. */
export type Access = Role | 'public';

/** Password length bounds, the same for the API's check and the web form's. */
export const PASSWORD_LENGTH = { min: 12, max: 256 } as const;

/** A known caller: a person (user name) or a machine principal (collector, control, …). */
export interface Principal {
  name: string;
  role: Role;
  /** The crew a crew member belongs to (alarms.crews[].id); only for the crew role. */
  crew?: string;
}

export const isServiceRole = (role: Role): role is ServiceRole => (SERVICE_ROLES as readonly string[]).includes(role);

/** The rank of a plant role; a service role ranks as a viewer. */
export function roleRank(role: Role): number {
  return isServiceRole(role) ? 0 : ROLES.indexOf(role);
}

/**
 * True when `held` may do what `needed` may: a plant role includes the smaller ones; a service
 * role is needed by name (or held by the admin) and includes the viewer.
 */
export function roleAllows(held: Role, needed: Role): boolean {
  if (isServiceRole(needed)) return held === needed || held === 'admin';
  return roleRank(held) >= roleRank(needed);
}

/** Only the hotline calls residents back: every other role sees their phone numbers masked. */
export const seesPhoneNumbers = (role: Role): boolean => role === 'hotline';

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ALL_ROLES as readonly string[]).includes(value);
}
