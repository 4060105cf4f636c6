/**
 * Source literals of flag values and identifiers derived from flag keys, per target language. Used by the
 * snippets, the typed-accessor codegen and flag cleanup (which writes the kept value into TypeScript code).
 */
import type { JsonValue } from '../flags/model.ts';

const TS_IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** TypeScript/JavaScript source for a JSON value: `true`, `42`, `'blue'`, `{ limit: 3, mode: 'fast' }`. */
export function printTsLiteral(value: JsonValue, quote: '"' | "'" = "'"): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return quoteString(value, quote);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map((v) => printTsLiteral(v, quote)).join(', ')}]`;
  const entries = Object.entries(value);
  if (entries.length === 0) return '{}';
  const props = entries.map(
    ([k, v]) => `${TS_IDENTIFIER.test(k) ? k : quoteString(k, quote)}: ${printTsLiteral(v, quote)}`,
  );
  return `{ ${props.join(', ')} }`;
}

/** A string literal in the given quote style, escaped like JSON. */
export function quoteString(value: string, quote: '"' | "'" = '"'): string {
  const json = JSON.stringify(value);
  if (quote === '"') return json;
  return `'${json.slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}

/** Python source for a JSON value (`True`, `None`, dicts and lists). */
export function printPythonLiteral(value: JsonValue): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'string') return quoteString(value);
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return `[${value.map(printPythonLiteral).join(', ')}]`;
  return `{${Object.entries(value)
    .map(([k, v]) => `${quoteString(k)}: ${printPythonLiteral(v)}`)
    .join(', ')}}`;
}

/** The words of a flag key: `new-checkout.v2` → `['new', 'checkout', 'v2']`. */
function words(key: string): string[] {
  return key.split(/[^A-Za-z0-9]+/).filter((w) => w !== '');
}

/** camelCase identifier for a flag key (`new-checkout` → `newCheckout`; a leading digit gets a `flag` prefix). */
export function camelCaseKey(key: string): string {
  const [first = 'flag', ...rest] = words(key);
  const id = first + rest.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  return /^[0-9]/.test(id) ? `flag${id[0]!.toUpperCase()}${id.slice(1)}` : id;
}

/** snake_case identifier for a flag key (`new-checkout` → `new_checkout`). */
export function snakeCaseKey(key: string): string {
  const id = words(key).join('_') || 'flag';
  return /^[0-9]/.test(id) ? `flag_${id}` : id;
}
