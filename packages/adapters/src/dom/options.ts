import { StorageError, ValidationError } from '@ferry/core';

/** Removes every listener a binding added. Calling it again does nothing. */
export type Unbind = () => void;

/** What a control shows: text, a checked state, or the values of the selected options. */
export type ControlValue = string | boolean | readonly string[];

export interface BindOptions {
  /**
   * Called when a change the user made cannot be written: a `ValidationError` (a required number left
   * empty), a `RecordDeletedError`. The control keeps what the user typed until it loses focus, then shows
   * the record's value again. Default: validation and storage errors are left to the app (storage errors
   * reach the client's `error` event); anything else goes to `reportError`.
   */
  onError?: (error: unknown) => void;
}

export interface BindFieldOptions extends BindOptions {
  /** Turns what the control shows into the field's value. Default: by the control's type. */
  parse?: (shown: ControlValue) => unknown;
  /** Turns the field's value into what the control shows. Default: by the control's type. */
  format?: (value: unknown) => ControlValue;
}

/** Hands an error to the app's handler, or to the default policy described on `onError`. */
export function failWith(options: BindOptions, error: unknown): void {
  if (options.onError) {
    options.onError(error);
    return;
  }
  if (error instanceof ValidationError || error instanceof StorageError) return;
  const report = (globalThis as { reportError?: (error: unknown) => void }).reportError;
  if (report) report(error);
  else
    queueMicrotask(() => {
      throw error;
    });
}
