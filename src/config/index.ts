export { settings, type Config } from './schema.js';
export { loadConfig, environmentWithDotenv, type Env, type LoadResult } from './load.js';
export { redactedConfig, REDACTED } from './redacted.js';
export { isMainnet, isLocalHost, SECRET_LENGTH_MIN } from './mainnet-rules.js';
export { networkOf, type StellarNetworkInfo } from './network.js';
