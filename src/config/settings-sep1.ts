/**
 * Settings of SEP-1 (stellar.toml), composed into the one schema (src/config/schema.ts). They fill
 * the `[DOCUMENTATION]` table; everything else in stellar.toml is derived from other settings
 * (network, PUBLIC_URL, the SEP-10 signing key, the anchored assets).
 */
import { text, url, type Setting } from './setting.js';

const GROUP = 'SEP-1 stellar.toml';
const EMAIL = /^[^\s@"\\]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,63}$/;
/** One line of plain text: no control characters (TOML would escape them, wallets would show them). */
const ONE_LINE = /^\P{Cc}*$/u;

export const sep1Settings = {
  orgName: text({
    env: 'ORG_NAME',
    group: GROUP,
    doc: 'Legal name of the organisation running Rampart (`[DOCUMENTATION] ORG_NAME`; the official wallet SDK requires it).',
    fallback: 'Rampart development anchor',
    maxLength: 120,
    pattern: ONE_LINE,
    patternDoc: 'one line of text',
  }),
  orgUrl: url({
    env: 'ORG_URL',
    group: GROUP,
    doc: "The organisation's official URL (`ORG_URL`). Unset: PUBLIC_URL.",
    protocols: ['https:', 'http:'],
  }),
  orgLogo: url({
    env: 'ORG_LOGO',
    group: GROUP,
    doc: 'URL of a square PNG logo (`ORG_LOGO`). Unset: omitted.',
    protocols: ['https:', 'http:'],
  }),
  orgDescription: text({
    env: 'ORG_DESCRIPTION',
    group: GROUP,
    doc: 'A short description of the organisation (`ORG_DESCRIPTION`).',
    fallback: 'Naira on-ramp and off-ramp for Stellar wallets, settled through Paystack.',
    maxLength: 500,
    pattern: ONE_LINE,
    patternDoc: 'one line of text',
  }),
  orgPhysicalAddress: text({
    env: 'ORG_PHYSICAL_ADDRESS',
    group: GROUP,
    doc: 'Physical address of the organisation (`ORG_PHYSICAL_ADDRESS`). Unset: omitted.',
    maxLength: 300,
    pattern: ONE_LINE,
    patternDoc: 'one line of text',
  }),
  orgOfficialEmail: text({
    env: 'ORG_OFFICIAL_EMAIL',
    group: GROUP,
    doc: 'Email for business partners (`ORG_OFFICIAL_EMAIL`; SEP-1 asks for one hosted at the ORG_URL domain). Unset: omitted.',
    pattern: EMAIL,
    patternDoc: 'an email address',
    maxLength: 254,
  }),
  orgSupportEmail: text({
    env: 'ORG_SUPPORT_EMAIL',
    group: GROUP,
    doc: 'Email customers write to for support (`ORG_SUPPORT_EMAIL`). Unset: omitted.',
    pattern: EMAIL,
    patternDoc: 'an email address',
    maxLength: 254,
  }),
} satisfies Record<string, Setting<unknown>>;
