/** The words of a flag key, shared by the text pass and stale detection to match keys across case and separators. */

/**
 * The lowercase words of `key`: separators (anything but letters and digits) and camelCase humps split it
 * (`newCheckout.v2`, `new-checkout_V2`, `NEW_CHECKOUT_V2` → `new`, `checkout`, `v2`). Empty for a key without
 * letters or digits.
 */
export function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== '')
    .map((w) => w.toLowerCase());
}

/** One string per spelling family: `my-flag`, `myFlag`, `MY_FLAG` → `my flag`; a key without words is itself. */
export function keyIdentity(key: string): string {
  const words = keyWords(key);
  return words.length > 0 ? words.join(' ') : key;
}
