import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type CollectionDefinition, defineCollection } from '@ferry/core';
import { isReadByField } from '../auth/ReadByField.js';
import type { CollectionRules, Rules } from '../auth/RecordRules.js';

/**
 * `ferry serve --schema` and `--rules` name ES modules written in JavaScript, the only place a schema or a
 * rule (a function) can come from on a command line. Each is imported once at start; a module that cannot
 * be loaded, or exports the wrong shape, stops the relay with a message naming the option and the file.
 */
async function importModule(option: string, file: string): Promise<Record<string, unknown>> {
  try {
    return (await import(pathToFileURL(resolve(file)).href)) as Record<string, unknown>;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${option} ${file}: cannot load it as an ES module: ${reason}`);
  }
}

/**
 * The collections a schema module exports: every export (named, or the default) that is a collection
 * definition, so the module that defines an app's collections for its clients can be given as it is.
 * Other exports are left alone.
 */
export async function loadSchemaModule(file: string): Promise<CollectionDefinition[]> {
  const exports = await importModule('--schema', file);
  const byName = new Map<string, CollectionDefinition>();
  for (const value of Object.values(exports)) {
    if (!looksLikeDefinition(value)) continue;
    // Checked again here: a hand-written object must meet what defineCollection asks of names and fields.
    const definition = checked(file, () => defineCollection(value.name, value.fields));
    if (byName.has(definition.name) && byName.get(definition.name) !== value)
      throw new Error(`--schema ${file}: two exports define the collection "${definition.name}".`);
    byName.set(definition.name, value);
  }
  if (byName.size === 0) {
    throw new Error(
      `--schema ${file}: it exports no collection definition; export each one, e.g. ` +
        "`export const notes = defineCollection('notes', { title: t.string() })`.",
    );
  }
  return [...byName.values()];
}

/** The rules module's default export: `{ <collection>: { read?(principal, fields), write?(…) } }`. */
export async function loadRulesModule(file: string): Promise<Rules> {
  const rules = (await importModule('--rules', file)).default;
  const shape =
    '`export default { notes: { read: (principal, fields) => …, write: (principal, fields) => … } }`';
  if (!isPlainObject(rules))
    throw new Error(
      `--rules ${file}: its default export must be an object of rules by collection, e.g. ${shape}.`,
    );
  for (const [collection, collectionRules] of Object.entries(rules)) {
    if (!isPlainObject(collectionRules))
      throw new Error(`--rules ${file}: the rules of "${collection}" must be an object, e.g. ${shape}.`);
    for (const [name, rule] of Object.entries(collectionRules)) {
      if (name !== 'read' && name !== 'write')
        throw new Error(
          `--rules ${file}: "${collection}" has a rule "${name}"; the rules are read and write.`,
        );
      if (name === 'read' && isReadByField(rule)) continue;
      if (typeof rule !== 'function')
        throw new Error(
          `--rules ${file}: the ${name} rule of "${collection}" must be a function${name === 'read' ? ' or { field, claim? }' : ''}.`,
        );
    }
  }
  return rules as Record<string, CollectionRules>;
}

function looksLikeDefinition(value: unknown): value is CollectionDefinition {
  return isPlainObject(value) && typeof value.name === 'string' && isPlainObject(value.fields);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function checked<T>(file: string, define: () => T): T {
  try {
    return define();
  } catch (error) {
    throw new Error(`--schema ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
