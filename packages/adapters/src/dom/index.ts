/**
 * @packageDocumentation
 * Binds Ferry records to the fields of a web page: `bindField` for one control, `bindForm` for a whole
 * form. Two-way, with collaborative text edited in place and the caret kept through remote changes.
 */

export { bindField } from './bindField.js';
export { type BindFormOptions, bindForm } from './bindForm.js';
export type { BindFieldOptions, BindOptions, ControlValue, Unbind } from './options.js';
