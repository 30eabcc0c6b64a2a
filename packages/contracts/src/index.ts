export * from './errors.ts';
export * from './auth.ts';
export * from './workspace.ts';
export * from './connection.ts';
export * from './connectors.ts';
export * from './audit.ts';
export * from './routes.ts';
export * from './mail.ts';
