import { PostgresStoreReader } from '../storage/PostgresStoreReader.js';
import { SqliteStoreReader } from '../storage/SqliteStoreReader.js';
import type { StoreReader } from '../storage/StoreReader.js';

/** The options by which a command names the store it reads: a data folder, or PostgreSQL. */
export const STORE_OPTIONS = {
  data: { type: 'string', default: './data' },
  postgres: { type: 'string' },
  'postgres-schema': { type: 'string', default: 'ferry' },
} as const;

export const STORE_USAGE = `  --data <dir>        the relay's data folder (default ./data)
  --postgres <url>    read the relay's tables in PostgreSQL instead
  --postgres-schema <name>  the schema of those tables (default ferry)`;

export function openReader(values: {
  data: string;
  postgres?: string;
  'postgres-schema': string;
}): StoreReader {
  return values.postgres
    ? new PostgresStoreReader({ connectionString: values.postgres, schema: values['postgres-schema'] })
    : new SqliteStoreReader(values.data);
}
