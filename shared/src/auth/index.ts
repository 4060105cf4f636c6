export { ROLES, Permission, IDENTITY_KINDS, roleGrantsSchema, roleIn, can, authorize, checkGrants } from './roles.ts';
export type { Role, IdentityKind, RoleGrants, Identity } from './roles.ts';
export { tokenRecordSchema, hashToken, newToken, tokenIdOf, authenticateToken, findTokenRecord } from './tokens.ts';
export type { TokenRecord, TokenInput, TokenStore } from './tokens.ts';
export { FileTokenStore, SECRETS_DIR } from './file-token-store.ts';
export { executeRemoteOperation, remoteOperationRequestSchema } from './remote-operations.ts';
export type { RemoteOperationRequest, RemoteOperationOutcome } from './remote-operations.ts';
