import type { DocumentHub } from '../documents/DocumentHub.js';
import type { AccessCache } from './AccessCache.js';
import type { Principal } from './Auth.js';
import { collectionOf } from './Auth.js';

/**
 * Whether one principal may read a record as it is now: `authorize` by its name, then its collection's read
 * rule, if it has one, on the record's current content. For paths that name records without sending their
 * content (the change feed): they must leave out what a rule hides, ids included.
 */
export class ReadAccess {
  constructor(
    private readonly access: AccessCache,
    private readonly hub: DocumentHub,
    private readonly principal: Principal,
  ) {}

  async canRead(name: string): Promise<boolean> {
    if (!(await this.access.canRead(name))) return false;
    if (!this.hub.rules.readsByContent(collectionOf(name))) return true;
    return this.hub.rules.canRead(this.principal, (await this.hub.snapshot(name)).view);
  }
}
