import type { Logger } from 'pino';
import { generatePassword } from '../../model/secrets.ts';
import type { UserStore } from './user-store.ts';

// First start: with no user at all, nobody could sign in to create one. So an admin is made
// with a random password that is shown once (the caller prints it in its start-up summary) —
// there is no default password anywhere. Once any user exists this does nothing.

export const FIRST_ADMIN = 'admin';

export interface FirstAdmin {
  name: string;
  password: string;
}

export async function ensureFirstAdmin(users: UserStore, log: Logger): Promise<FirstAdmin | undefined> {
  if (users.count() > 0) return undefined;
  const password = generatePassword();
  await users.create(FIRST_ADMIN, 'admin', password);
  // The password itself goes to stdout once, not into logs that are kept and shipped.
  log.warn({ event: 'first_admin', user: FIRST_ADMIN }, 'no users: created the admin user with a random password, printed once on stdout; change it after signing in');
  return { name: FIRST_ADMIN, password };
}

/** The start-up summary line that shows the first-start admin's password (none on later starts). */
export function firstAdminSummary(admin: FirstAdmin | undefined): string[] {
  return admin ? [`  first start: user "${admin.name}", password ${admin.password}  (shown once: sign in and change it)`] : [];
}
