/** Every ID the extension contributes, in one place (must match package.json `contributes`). */
export const Commands = {
  createFlag: 'rollgate.createFlag',
  toggleFlag: 'rollgate.toggleFlag',
  setRollout: 'rollgate.setRollout',
  insertSnippet: 'rollgate.insertSnippet',
  openRolloutPage: 'rollgate.openRolloutPage',
  scanWorkspace: 'rollgate.scanWorkspace',
  approveChangeRequests: 'rollgate.approveChangeRequests',
  wrapSelectionInFlag: 'rollgate.wrapSelectionInFlag',
  openFlag: 'rollgate.openFlag',
  writeMcpConfig: 'rollgate.writeMcpConfig',
  initStore: 'rollgate.initStore',
  removeFlagCode: 'rollgate.removeFlagCode',
  findReferences: 'rollgate.findReferences',
  filterFlags: 'rollgate.filterFlags',
  clearFlagFilter: 'rollgate.clearFlagFilter',
  approveChangeRequest: 'rollgate.approveChangeRequest',
  rejectChangeRequest: 'rollgate.rejectChangeRequest',
  pauseRollout: 'rollgate.pauseRollout',
  resumeRollout: 'rollgate.resumeRollout',
  advanceRollout: 'rollgate.advanceRollout',
  rollbackRollout: 'rollgate.rollbackRollout',
  connectServer: 'rollgate.connectServer',
  disconnectServer: 'rollgate.disconnectServer',
} as const;
export type CommandId = (typeof Commands)[keyof typeof Commands];

export const Views = { flags: 'rollgate.flags' } as const;

export const ContextKeys = { hasStore: 'rollgate:hasStore', flagFilter: 'rollgate:flagFilter' } as const;

export const CONFIG_SECTION = 'rollgate';

/** Secret-storage key of the API token for the Rollgate server at `url` (never in settings.json). */
export const serverTokenSecret = (url: string): string => `rollgate.serverToken:${url}`;

/** Must match `contributes.mcpServerDefinitionProviders[].id`. */
export const MCP_PROVIDER_ID = 'rollgate.mcp';

/** Diagnostic source shown in the Problems panel. */
export const DIAGNOSTIC_SOURCE = 'rollgate';

/** Environment key abbreviations used in code lenses. */
export const ENVIRONMENT_ABBREVIATIONS: Readonly<Record<string, string>> = {
  production: 'prod',
  development: 'dev',
  staging: 'staging',
};
