#!/usr/bin/env node
import { backup } from './commands/backup.js';
import { exportCollection } from './commands/export.js';
import { inspect } from './commands/inspect.js';
import { restore } from './commands/restore.js';
import { serve } from './commands/serve.js';

const COMMANDS: Record<string, (argv: string[]) => Promise<void>> = {
  serve,
  backup,
  restore,
  inspect,
  export: exportCollection,
};

const USAGE = `Usage: ferry <command> [options]

  serve     run the relay
  backup    copy the relay's SQLite store into one file, while it serves
  restore   put a backup in place as a data folder's store
  inspect   show the collections and record counts of a store, or one record's fields and history
  export    write the records of a collection as NDJSON

ferry <command> --help shows the options of a command. docs/operations.md describes running a relay.`;

async function main([command, ...argv]: string[]): Promise<void> {
  const run = command === undefined ? undefined : COMMANDS[command];
  if (run) return run(argv);
  const help = command === '--help' || command === '-h' || command === 'help';
  if (!help && command !== undefined) console.error(`ferry: there is no command "${command}".`);
  console.log(USAGE);
  process.exitCode = help ? 0 : 1;
}

main(process.argv.slice(2)).catch((error) => {
  console.error(`ferry: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
