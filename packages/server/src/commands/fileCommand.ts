import { parseArgs } from 'node:util';

/** What `ferry backup` and `ferry restore` are given: the data folder, one file, and whether to replace. */
export interface FileCommandArgs {
  readonly data: string;
  readonly file: string;
  readonly force: boolean;
}

/**
 * Reads the arguments of a command that copies the SQLite store to or from one file. Prints `usage` and
 * answers undefined for --help; refuses --postgres (`postgresAdvice` says what to use instead) and anything
 * but exactly one file (`example` shows how).
 */
export function fileCommandArgs(
  argv: string[],
  { usage, postgresAdvice, example }: { usage: string; postgresAdvice: string; example: string },
): FileCommandArgs | undefined {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      data: { type: 'string', default: './data' },
      postgres: { type: 'string' },
      force: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(usage);
    return undefined;
  }
  if (values.postgres !== undefined) throw new Error(postgresAdvice);
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) throw new Error(example);
  return { data: values.data, file, force: values.force ?? false };
}
