export * from './faults.ts';
export * from './federated.ts';
export * from './jwt.ts';
export * from './server.ts';
