import type { RecordHandle, Shape } from '@ferry/core';
import { bindField, textOf } from './bindField.js';
import type { BindFieldOptions, BindOptions, Unbind } from './options.js';

export interface BindFormOptions extends BindOptions {
  /**
   * The fields to bind. Default: every control whose name is a field the record holds a value for, or a
   * text field. List an optional field that has no value yet here to bind it as well.
   */
  fields?: readonly string[];
  /** Custom conversions for some fields, by name. */
  formats?: { readonly [field: string]: Pick<BindFieldOptions, 'parse' | 'format'> };
}

/** Controls that carry no value of their own. */
const SKIPPED_TYPES = new Set(['button', 'submit', 'reset', 'image', 'file', 'fieldset', 'output', 'object']);

/**
 * Binds every control of a form to the record's field of the same `name`, like a model loaded into a form:
 * inputs, textareas, selects, a group of radio buttons, and contenteditable elements with a `name`
 * attribute. See `bindField` for how each control reads and writes. Returns `unbind()` for all of them.
 *
 * ```ts
 * const unbind = bindForm(document.querySelector('form')!, contact);
 * ```
 */
export function bindForm<S extends Shape>(
  form: HTMLFormElement,
  record: RecordHandle<S>,
  options: BindFormOptions = {},
): Unbind {
  const wanted = options.fields && new Set(options.fields);
  const isField = (name: string) =>
    wanted
      ? wanted.has(name)
      : Object.hasOwn(record.value, name) || textOf(record as RecordHandle, name) !== undefined;
  const controls = [
    ...[...form.elements].filter((element) => !SKIPPED_TYPES.has((element as HTMLInputElement).type)),
    ...form.querySelectorAll<HTMLElement>('[contenteditable][name]'),
  ];
  const unbinds: Unbind[] = [];
  for (const control of controls) {
    const name = control.getAttribute('name');
    if (!name || !isField(name)) continue;
    unbinds.push(
      bindField(control as HTMLElement, record, name as keyof S & string, {
        onError: options.onError,
        ...options.formats?.[name],
      }),
    );
  }
  return () => {
    for (const unbind of unbinds.splice(0)) unbind();
  };
}
