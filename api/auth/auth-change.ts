// What one API node tells the others when a sign-in is withdrawn, so that every node of a cluster
// refuses the same tokens at once (api/cluster/auth-sync.ts): a token revoked at logout, or a user
// whose role, password, state or token generation changed (the node's cached session is dropped).

export type AuthChange = { kind: 'revoked'; signature: string; expiresAt: number } | { kind: 'user'; name: string };

export type AuthChanged = (change: AuthChange) => void;
