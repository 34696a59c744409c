/**
 * The logger Ferry writes through: the subset of pino's interface it uses, so a pino logger can be passed
 * as is. Library code never writes to the console itself.
 */
export interface Logger {
  debug(details: object, message?: string): void;
  info(details: object, message?: string): void;
  warn(details: object, message?: string): void;
  error(details: object, message?: string): void;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
