/** Withdrawal metrics, registered once per metrics registry (see deposit/metrics.ts). */
import client from 'prom-client';
import type { TransferDeps } from '../transfers/deps.js';

export interface WithdrawalMetrics {
  readonly matched: client.Counter<'outcome'>;
  readonly held: client.Counter<'reason'>;
  readonly paidOut: client.Counter<'outcome'>;
  readonly paystackBalance: client.Gauge;
}

const byRegistry = new WeakMap<client.Registry, WithdrawalMetrics>();

export function withdrawalMetrics(deps: Pick<TransferDeps, 'registry'>): WithdrawalMetrics {
  const known = byRegistry.get(deps.registry);
  if (known !== undefined) return known;
  const registers = [deps.registry];
  const metrics: WithdrawalMetrics = {
    matched: new client.Counter({
      name: 'rampart_withdrawal_payments_total',
      help: 'Stellar payments matched to withdrawals, by outcome (exact, over, under_waiting, under_refunded, refunded).',
      labelNames: ['outcome'],
      registers,
    }),
    held: new client.Counter({
      name: 'rampart_withdrawals_held_total',
      help: 'Withdrawal money that needs a person: unmatched payments, payouts waiting for OTP or Paystack balance, refused payouts.',
      labelNames: ['reason'],
      registers,
    }),
    paidOut: new client.Counter({
      name: 'rampart_payouts_total',
      help: 'Paystack payouts settled, by outcome (completed, failed, reversed).',
      labelNames: ['outcome'],
      registers,
    }),
    paystackBalance: new client.Gauge({
      name: 'rampart_paystack_balance_kobo',
      help: 'The Paystack NGN balance that funds payouts, in kobo, as last read by the sweep.',
      registers,
    }),
  };
  byRegistry.set(deps.registry, metrics);
  return metrics;
}
