import { randomBytes } from 'node:crypto';

// Every secret the platform makes for people or machines (the first admin, a user added from
// the command line, MQTT role logins, OPC UA user passwords) is made the same way.

/** 24 random bytes as 32 URL-safe characters: beyond guessing, and safe in any configuration file. */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}
