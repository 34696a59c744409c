// y-leveldb 0.1.2 ships types, but its package.json "exports" does not point to them.
declare module 'y-leveldb' {
  export class LeveldbPersistence {
    constructor(location: string);
    storeUpdate(docName: string, update: Uint8Array): Promise<number>;
    destroy(): Promise<void>;
  }
}
