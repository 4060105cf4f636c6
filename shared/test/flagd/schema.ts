/** Validates documents against the vendored flagd JSON schema (test/fixtures/flagd-schema, see its README). */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import type { ErrorObject } from 'ajv';

const fixture = (name: string): object =>
  JSON.parse(readFileSync(new URL(`../fixtures/flagd-schema/${name}`, import.meta.url), 'utf8')) as object;

/** Returns a validator: `undefined` when `doc` is a valid flagd document, else ajv's error list as text. */
export function createFlagdSchemaValidator(): (doc: unknown) => string | undefined {
  // strict: false — the upstream schema uses `items` arrays without `maxItems` (ajv strictTuples warnings).
  const ajv = new Ajv({ strict: false, allErrors: false });
  ajv.addSchema(fixture('targeting.json'));
  const validate = ajv.compile(fixture('flags.json'));
  return (doc) => (validate(doc) ? undefined : format(validate.errors ?? []));
}

function format(errors: ErrorObject[]): string {
  return errors.map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`).join('; ');
}
