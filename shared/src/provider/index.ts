export { RollgateProvider } from './rollgate-provider.ts';
export type { RollgateProviderOptions, RollgateProviderSource } from './rollgate-provider.ts';
