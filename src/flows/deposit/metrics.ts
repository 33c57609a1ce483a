/**
 * Deposit metrics, registered once per metrics registry. `held` counts every payment that needs a
 * person (alerted by RampartPaymentHeld); the distribution balance gauge feeds
 * RampartDistributionBalanceLow.
 */
import client from 'prom-client';
import type { TransferDeps } from '../transfers/deps.js';

export interface DepositMetrics {
  readonly funded: client.Counter<'outcome'>;
  readonly held: client.Counter<'reason'>;
  readonly delivered: client.Counter<'operation'>;
  readonly distributionBalance: client.Gauge<'asset'>;
}

const byRegistry = new WeakMap<client.Registry, DepositMetrics>();

export function depositMetrics(deps: Pick<TransferDeps, 'registry'>): DepositMetrics {
  const known = byRegistry.get(deps.registry);
  if (known !== undefined) return known;
  const registers = [deps.registry];
  const metrics: DepositMetrics = {
    funded: new client.Counter({
      name: 'rampart_deposits_funded_total',
      help: 'Deposits whose naira was received and verified, by what followed (credited, held).',
      labelNames: ['outcome'],
      registers,
    }),
    held: new client.Counter({
      name: 'rampart_deposits_held_total',
      help: 'Payments held for a person: amount mismatch, limits, late payment, no matching deposit.',
      labelNames: ['reason'],
      registers,
    }),
    delivered: new client.Counter({
      name: 'rampart_deposits_delivered_total',
      help: 'Deposits delivered on Stellar, by operation (payment, claimable_balance).',
      labelNames: ['operation'],
      registers,
    }),
    distributionBalance: new client.Gauge({
      name: 'rampart_distribution_balance',
      help: "The distribution account's balance per asset, in whole units, as last read from Horizon.",
      labelNames: ['asset'],
      registers,
    }),
  };
  byRegistry.set(deps.registry, metrics);
  return metrics;
}
