// The `dove` entry point (run on Node 24 with --conditions=@dove/source; see ../bin/dove.js).
import { main } from './program.ts';

const code = await main(process.argv.slice(2));
// Let stdout drain before leaving; open handles (sockets, timers) must not keep dove alive.
process.stdout.write('', () => process.exit(code));
