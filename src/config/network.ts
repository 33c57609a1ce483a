/** What each STELLAR_NETWORK value means: passphrase and default Horizon. */
import type { Config } from './schema.js';

export interface StellarNetworkInfo {
  readonly passphrase: string;
  readonly horizonUrl: URL;
}

const TESTNET_PASSPHRASE = 'Test SDF Network ; September 2015';
const PUBLIC_PASSPHRASE = 'Public Global Stellar Network ; September 2015';

export function networkOf(
  config: Pick<Config, 'stellarNetwork' | 'horizonUrl' | 'port'>,
): StellarNetworkInfo {
  switch (config.stellarNetwork) {
    case 'public':
      return {
        passphrase: PUBLIC_PASSPHRASE,
        horizonUrl: config.horizonUrl ?? new URL('https://horizon.stellar.org'),
      };
    case 'testnet':
      return {
        passphrase: TESTNET_PASSPHRASE,
        horizonUrl: config.horizonUrl ?? new URL('https://horizon-testnet.stellar.org'),
      };
    case 'sandbox':
      // The sandbox doubles use the testnet passphrase so wallet SDKs accept them.
      return {
        passphrase: TESTNET_PASSPHRASE,
        horizonUrl: config.horizonUrl ?? new URL('http://127.0.0.1:8001'),
      };
  }
}
