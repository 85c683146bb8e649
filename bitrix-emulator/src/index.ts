/** Bitrix24 emulator: a standalone HTTP stand-in for a Bitrix24 portal (REST, events, files, faults). */
export { startBitrixEmulator } from './emulator';
export type { BitrixEmulator, FileView } from './emulator';
export type { EmulatorOptions, UserFieldDefinition } from './options';
export { DEFAULT_DEAL_USER_FIELDS } from './options';
export { StateFileError } from './state-file';
export type { EventDelivery, EventFaults, ReorderFault, DeliveryOutcome } from './events';
export type { RestFaultKind, RestFaultOptions, RestFaultRule } from './rest-faults';
export type { EmulatorStats, CallRecord, CallOutcome } from './stats';
export type { SeedUserInput } from './methods/users';
export type { ActivityInput } from './methods/activities';
export type { FileInput } from './portal';
export type { Row, SentEmail } from './store';
export { PAGE_SIZE } from './list-query';
export { MAX_BATCH_COMMANDS } from './batch';
