import { LOG_FORMATS, type LogFormat } from '../logger.js';

/** A repeatable option's values, each possibly a comma list. */
export const listOf = (values: string[] | undefined): string[] =>
  (values ?? []).flatMap((value) => value.split(',')).filter((value) => value.trim() !== '');

/** `--log-format`: undefined when not given (the logger then looks at the terminal). */
export function logFormatOf(text: string | undefined): LogFormat | undefined {
  if (text === undefined) return undefined;
  if (!(LOG_FORMATS as readonly string[]).includes(text))
    throw new Error(`--log-format must be ${LOG_FORMATS.join(' or ')}, got "${text}"`);
  return text as LogFormat;
}
