/**
 * @mailroom/m365-emulator — a local Microsoft 365 (Entra ID v2.0 + Graph directory) over HTTPS.
 * Start it with `createEmulator()` in tests or `npm run emulator` as a sandbox.
 */
export { createEmulator, type Emulator, type EmulatorOptions } from './emulator.ts';
export {
  EmulatorControl,
  ControlError,
  type NewUser,
  type NewSecret,
  type GraphMessageJson,
  type DeliveredMessage,
  type MailJob,
  type GenerateOptions,
  type FaultRule,
  type FaultRuleInput,
  type NotificationFault,
  type NotificationFaultInput,
  type ThrottleConfig,
  type ThrottleCounters,
  type OutboundMessage,
  type DeliveryRecord,
  type LifecycleEvent,
  type NotificationSettings,
} from './control/client.ts';
export type { FaultAction } from './faults/faults.ts';
export { DEFAULT_THROTTLE } from './mail/throttle.ts';
export { DEFAULT_NOTIFICATION_SETTINGS, MICROSOFT_NOTIFICATION_LATENCY } from './notify/subscriptions.ts';
export { MailStore, type MessageInit, type AttachmentInit } from './mail/store.ts';
export type * from './mail/model.ts';
export { composeMime, messageFromMime } from './mail/mime.ts';
export { DEFAULT_LIFETIMES, type TokenLifetimes, type EmulatorState } from './state.ts';
export type { RequestLogEntry } from './http/request-log.ts';
export type * from './tenant/model.ts';
export { GRAPH_APP_ID, GRAPH_RESOURCE } from './tenant/model.ts';
export { Directory } from './tenant/directory.ts';
export type * from './seed/schema.ts';
export { demoSeed, readSeedFile, validateSeed, DEMO_SEED_FILE } from './seed/load.ts';
export { DEMO } from './seed/demo.ts';
export { GraphHttpError, sendGraphError, graphHeaders } from './graph/errors.ts';
export { authenticateGraph, requirePermission, type GraphPrincipal } from './graph/auth.ts';
export { graphRoute } from './graph/users.ts';
