// The Action's entry point: everything happens in run() (see main.ts).
import { run } from './main.ts';

await run();
