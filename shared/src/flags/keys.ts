/**
 * Key patterns of the flag model, free of zod (`@rollgate/shared/flags/keys`): light entry points (the MCP server's
 * option parsing) check keys with them without loading the model's schemas.
 */

/** Environment keys: lowercase, digits, `.`, `_`, `-`; 1–100 characters; starts with a letter or digit. */
export const ENVIRONMENT_KEY_PATTERN = /^[a-z0-9][a-z0-9._-]{0,99}$/;
/** What {@link ENVIRONMENT_KEY_PATTERN} asks for, as a validation message. */
export const ENVIRONMENT_KEY_RULE =
  'use 1–100 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit';
