export { starterSpec } from './commands/init.ts';
export { EXIT } from './exit-codes.ts';
export { main } from './program.ts';
