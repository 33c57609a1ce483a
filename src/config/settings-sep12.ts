/** Settings of SEP-12 (KYC), composed into the one schema (src/config/schema.ts). */
import { piiKeyProblem } from '../platform/pii-crypto.js';
import { boolean, integer, list, type Setting } from './setting.js';

const GROUP = 'SEP-12 (KYC)';
const MIB = 1024 * 1024;
const MINUTE_MS = 60_000;
/** ₦10 billion: far above any tier, low enough to stay an exact number. */
const NAIRA_MAX = 10_000_000_000;

function naira(env: string, doc: string, fallback: number) {
  return integer({ env, group: GROUP, doc: `${doc} (whole naira).`, fallback, min: 0, max: NAIRA_MAX });
}

export const sep12Settings = {
  piiEncryptionKeys: list({
    env: 'PII_ENCRYPTION_KEYS',
    group: GROUP,
    doc: 'Keys that encrypt personal data at rest (AES-256-GCM), as `id:base64key` (32 bytes, `openssl rand -base64 32`), comma-separated. The first encrypts; the others only decrypt, so a key is rotated by putting a new one first. Required on mainnet; in development a key is generated under RAMPART_DATA_DIR.',
    secret: true,
    item: piiKeyProblem,
  }),
  sep12UploadBytesMax: integer({
    env: 'SEP12_UPLOAD_BYTES_MAX',
    group: GROUP,
    doc: 'Largest KYC document accepted per field (photo_id_front, …); larger files are answered 413. Only JPEG, PNG and PDF are accepted, recognised by their content.',
    fallback: 5 * MIB,
    min: 1024,
    max: 10 * MIB,
  }),
  sep12MobileVerification: boolean({
    env: 'SEP12_MOBILE_VERIFICATION',
    group: GROUP,
    doc: 'Require customers to confirm mobile_number with a 6-digit code (SEP-12 `mobile_number_verification`). Codes need an SMS sender, which Rampart does not have yet: on the sandbox network the code is always 123456.',
    fallback: false,
  }),
  sep12VerificationCodeTtlMs: integer({
    env: 'SEP12_VERIFICATION_CODE_TTL_MS',
    group: GROUP,
    doc: 'How long a verification code stays valid.',
    fallback: 10 * MINUTE_MS,
    min: MINUTE_MS,
    max: 24 * 60 * MINUTE_MS,
  }),
  sep12CallbackTimeoutMs: integer({
    env: 'SEP12_CALLBACK_TIMEOUT_MS',
    group: GROUP,
    doc: "Timeout of one POST to a wallet's KYC status callback URL; failures are retried by the outbox.",
    fallback: 10_000,
    min: 500,
    max: 60_000,
  }),
  kycTier1PerTransactionNgn: naira(
    'KYC_TIER1_PER_TRANSACTION_NGN',
    'Tier 1 (name, mobile, BVN or NIN) limit per transaction',
    50_000,
  ),
  kycTier1PerDayNgn: naira('KYC_TIER1_PER_DAY_NGN', 'Tier 1 limit per day', 200_000),
  kycTier1PerMonthNgn: naira('KYC_TIER1_PER_MONTH_NGN', 'Tier 1 limit per calendar month', 1_000_000),
  kycTier2PerTransactionNgn: naira(
    'KYC_TIER2_PER_TRANSACTION_NGN',
    'Tier 2 (tier 1 plus address and photo ID) limit per transaction',
    1_000_000,
  ),
  kycTier2PerDayNgn: naira('KYC_TIER2_PER_DAY_NGN', 'Tier 2 limit per day', 5_000_000),
  kycTier2PerMonthNgn: naira('KYC_TIER2_PER_MONTH_NGN', 'Tier 2 limit per calendar month', 20_000_000),
} satisfies Record<string, Setting<unknown>>;
