/**
 * The pages' words. English is complete; another language adds a catalog here (a partial one is
 * fine: a missing key falls back to English) and its code to the deposit flow's SUPPORTED_LANGS.
 */
import type { TransactionKind, TransactionStatus } from '../../domain/transaction-status.js';
import { messages as en, statusTexts as enStatus, type MessageKey, type StatusText } from './en.js';

export type { MessageKey, StatusText };

export type MessageParams = Readonly<Record<string, string | number>>;

interface Catalog {
  readonly messages: Readonly<Partial<Record<MessageKey, string>>>;
  readonly status: Readonly<
    Partial<Record<TransactionKind, Readonly<Partial<Record<TransactionStatus, StatusText>>>>>
  >;
}

const CATALOGS: Readonly<Record<string, Catalog>> = {
  en: { messages: en, status: enStatus },
};

function catalogOf(lang: string): Catalog | undefined {
  return Object.hasOwn(CATALOGS, lang) ? CATALOGS[lang] : undefined;
}

/** `{name}` replaced by its parameter; an unknown name stays as written, so a typo shows, not vanishes. */
function interpolate(template: string, params: MessageParams): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = Object.hasOwn(params, name) ? params[name] : undefined;
    return value === undefined ? whole : String(value);
  });
}

export function t(lang: string, key: MessageKey, params: MessageParams = {}): string {
  return interpolate(catalogOf(lang)?.messages[key] ?? en[key], params);
}

export function statusText(lang: string, kind: TransactionKind, status: TransactionStatus): StatusText {
  return catalogOf(lang)?.status[kind]?.[status] ?? enStatus[kind][status];
}

/** What the templates call: `it.t('key', { … })`, bound to the page's language. */
export type Translate = (key: MessageKey, params?: MessageParams) => string;

export function translator(lang: string): Translate {
  return (key, params = {}) => t(lang, key, params);
}
