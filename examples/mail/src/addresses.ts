/** Recipients as a person types them: "ben@example.org, chloe@example.org". */
export function formatAddresses(addresses: unknown): string {
  return Array.isArray(addresses) ? addresses.join(', ') : '';
}

/**
 * The addresses in what a person typed, lower-cased (the relay's rules compare them with the user's own
 * address), without blanks or repeats.
 */
export function parseAddresses(typed: unknown): string[] {
  const parts = String(typed ?? '')
    .split(/[,;\s]+/)
    .map((part) => part.trim().toLowerCase())
    .filter(Boolean);
  return [...new Set(parts)];
}

/**
 * How a `<input type="email" multiple>` shows and reads the recipients. Browsers keep such an input's value
 * as addresses joined by bare commas, so that is how it is written too.
 */
export const addressesInput = {
  parse: parseAddresses,
  format: (addresses: unknown): string => (Array.isArray(addresses) ? addresses.join(',') : ''),
};
