import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/platform/logger.js';
import { captureLogs } from '../support/log-capture.js';

const capture = () => captureLogs('info');

describe('logger', () => {
  it('writes JSON lines with a level label and ISO time', () => {
    const { lines, logger } = capture();
    logger.info({ transactionId: 't1' }, 'hello');
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'hello', transactionId: 't1', service: 'rampart' });
    expect(String(lines[0]?.['time'])).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('redacts secrets and personal data at the top level and one level down', () => {
    const { lines, logger } = capture();
    const secret = 'sk_live_do_not_print_me_0123456789';
    logger.info(
      {
        secret,
        password: 'hunter2',
        token: 'eyJhbGciOi',
        config: { secret, apiKey: 'k', jwt: 'j' },
        customer: {
          first_name: 'Ada',
          bank_account_number: '0123456789',
          bvn: '22222222222',
          email_address: 'a@b.c',
        },
        req: { headers: { authorization: 'Bearer abc', cookie: 'sid=1', 'x-paystack-signature': 'f00' } },
        amountKobo: '500000',
      },
      'event',
    );
    const text = JSON.stringify(lines[0]);
    for (const leaked of [
      secret,
      'hunter2',
      'eyJhbGciOi',
      'Ada',
      '0123456789',
      '22222222222',
      'a@b.c',
      'Bearer abc',
      'sid=1',
      'f00',
    ]) {
      expect(text).not.toContain(leaked);
    }
    expect(lines[0]?.['amountKobo']).toBe('500000');
  });

  it('honours the configured level', () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _e, callback) {
        lines.push(chunk.toString());
        callback();
      },
    });
    const logger = createLogger('warn', stream);
    logger.info('quiet');
    logger.warn('loud');
    expect(lines).toHaveLength(1);
  });
});
