#!/usr/bin/env node
// The `ferry` command. It is a committed file rather than dist/cli.js itself, so that npm links it at
// install time, before the build has written dist/.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error(
    'ferry: @ferry/server is not built (dist/cli.js is missing). Run `npm run build` at the root of the repository.',
  );
  process.exit(1);
}
await import(cli.href);
