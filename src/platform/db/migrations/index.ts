/** Every migration, in order. Forward-only: an applied migration is never edited, only followed. */
import { foundation } from './0001-foundation.js';
import { stellarSubmissions } from './0002-stellar-submissions.js';
import { customers } from './0003-customers.js';
import { quotes } from './0004-quotes.js';
import { signoffs } from './0005-signoffs.js';
import { transfers } from './0006-transfers.js';
import { submissionOperations } from './0007-submission-operations.js';
import { stellarObserver } from './0008-stellar-observer.js';
import { withdrawals } from './0009-withdrawals.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const migrations: readonly Migration[] = [
  foundation,
  stellarSubmissions,
  customers,
  quotes,
  signoffs,
  transfers,
  submissionOperations,
  stellarObserver,
  withdrawals,
];
