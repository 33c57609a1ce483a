/** Rules between settings that each parse on their own but do not fit together. */
import { settings, type Config } from './schema.js';
import { sep38ConsistencyProblems } from './settings-sep38.js';

export function consistencyProblems(config: Config): string[] {
  const problems: string[] = [];
  if (config.stellarSubmitResolveMs <= config.stellarTxValiditySeconds * 1000) {
    problems.push(
      `${settings.stellarSubmitResolveMs.env} (${config.stellarSubmitResolveMs} ms) must exceed ${settings.stellarTxValiditySeconds.env} (${config.stellarTxValiditySeconds} s): otherwise a dropped submission is never rebuilt`,
    );
  }
  if (config.metricsPort !== undefined && config.metricsPort === config.port) {
    problems.push(`${settings.metricsPort.env} must differ from ${settings.port.env}`);
  }
  problems.push(...sep38ConsistencyProblems(config));
  return problems;
}
