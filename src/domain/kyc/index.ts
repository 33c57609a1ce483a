/** Pure KYC rules: SEP-9 fields, Nigerian formats, name matching, statuses, tiers and limits. */
export * from './fields.js';
export * from './identity.js';
export * from './names.js';
export * from './phone.js';
export * from './status.js';
export * from './tiers.js';
