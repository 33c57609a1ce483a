/** Every migration, in order. Forward-only: an applied migration is never edited, only followed. */
import { foundation } from './0001-foundation.js';
import { stellarSubmissions } from './0002-stellar-submissions.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const migrations: readonly Migration[] = [foundation, stellarSubmissions];
