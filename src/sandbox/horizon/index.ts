/** The Horizon test double: see server.ts for the factory and control.ts for the control API. */
export { createHorizonDouble, type HorizonDouble, type HorizonDoubleOptions } from './server.js';
export type { HorizonControl, SandboxState, SeedAccount, SeedTrustline } from './control.js';
export { ControlError } from './control.js';
export type { FaultPatch, FaultState, SubmitFault } from './faults.js';
