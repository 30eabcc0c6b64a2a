export * from './users.ts';
export * from './workspaces.ts';
export * from './sessions.ts';
export * from './invitations.ts';
export * from './connectors.ts';
export * from './audit.ts';
export * from './instance.ts';
