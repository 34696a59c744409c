/** Where a sync of a collection under a read rule got to, and the records the client must let go of. */
export interface ReadableChanges {
  readonly cursor: string;
  readonly hidden: readonly string[];
}

/** The sync would decide more records than `maxRecordsDecidedPerSync`: it stopped there. */
export const TOO_LARGE = 'too-large';
