/**
 * Courier's configuration: config/default.json, then config/local.json (the operator's,
 * git-ignored), then environment variables, merged and validated by one zod schema into a single
 * deeply frozen object. This folder is the only place that reads process.env. Secrets (api_hash,
 * bot token) never appear in a ConfigError: they are shown by length only.
 *
 * Call loadConfig() once at start-up and pass the parts each module needs (Config['log'], ...).
 */
export { configFileWarnings, loadConfig, type LoadConfigOptions } from './load.js';
export { ConfigError, formatConfigError, type ConfigIssue } from './configError.js';
export { configKeysTable } from './configKeysTable.js';
export { childEnvironment } from './childEnvironment.js';
export { configSchema, type Config, type DeepPartial } from './schema.js';
