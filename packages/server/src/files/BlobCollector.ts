import { fileRefsOf, type Logger } from '@ferry/core';
import * as Y from 'yjs';
import type { ServerStorage } from '../storage/ServerStorage.js';
import type { BlobStorage } from './BlobStorage.js';

export interface BlobCollectorOptions {
  /**
   * A blob stored or uploaded again within this long is kept even if no record refers to it yet: its
   * record may still be on its way from the device that uploaded it (default 24 hours).
   */
  graceMs: number;
  /** An upload not added to for this long is dropped (default 24 hours). */
  uploadTimeoutMs: number;
  now(): number;
}

export interface CollectedBlobs {
  /** Blobs removed: no record's current state referred to them. */
  readonly removed: number;
  /** Unfinished uploads dropped. */
  readonly uploadsDropped: number;
}

const PAGE = 500;

/**
 * Removes blobs that no record refers to any more. A pass reads every record's current state (a page of
 * names at a time) for the hashes it refers to, then removes the blobs older than the grace period that
 * none refers to. Blobs a record's past versions referred to go too: history and restoreVersion() bring
 * back the reference, not the bytes. The relay runs a pass every `blobCollectionMs` (default hourly).
 */
export class BlobCollector {
  constructor(
    private readonly storage: ServerStorage,
    private readonly blobs: BlobStorage,
    private readonly options: BlobCollectorOptions,
    private readonly logger: Logger,
  ) {}

  async collect(): Promise<CollectedBlobs> {
    // Taken before reading the records: a blob uploaded during the pass is younger, and kept.
    const now = this.options.now();
    const referenced = await this.#referenced();
    let removed = 0;
    let after = '';
    for (;;) {
      const hashes = await this.blobs.storedBefore(now - this.options.graceMs, after, PAGE);
      if (hashes.length === 0) break;
      const unreferenced = hashes.filter((hash) => !referenced.has(hash));
      await this.blobs.remove(unreferenced);
      removed += unreferenced.length;
      after = hashes[hashes.length - 1]!;
    }
    const uploadsDropped = await this.blobs.dropUploadsBefore(now - this.options.uploadTimeoutMs);
    if (removed > 0 || uploadsDropped > 0)
      this.logger.info({ removed, uploadsDropped }, 'collected files no record refers to');
    return { removed, uploadsDropped };
  }

  async #referenced(): Promise<Set<string>> {
    const referenced = new Set<string>();
    let after = '';
    for (;;) {
      const names = await this.storage.documentNames(after, PAGE);
      for (const name of names) {
        const doc = new Y.Doc();
        try {
          for (const update of await this.storage.load(name)) Y.applyUpdate(doc, update);
          for (const hash of fileRefsOf(doc)) referenced.add(hash);
        } finally {
          doc.destroy();
        }
      }
      if (names.length < PAGE) return referenced;
      after = names[names.length - 1]!;
    }
  }
}
