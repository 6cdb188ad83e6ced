/**
 * Waiting for studies the PACS does not know yet (orders arrive before
 * images): the retry plan, the durable store of pending waits, and the
 * scheduler that polls for them.
 */
export * from "./plan";
export { encodeMessage, decodeMessage, DEFAULT_MAX_MESSAGE_BYTES } from "./message-copy";
export {
  WaitStore,
  type WaitRecord,
  type NewWait,
  type WaitProgress,
  type RemoveReason,
  type WaitStoreOptions,
  type WaitStoreStats,
} from "./store";
export type { ReplayReport } from "./journal";
export {
  WaitScheduler,
  realClock,
  type Clock,
  type GiveUpReason,
  type NodeSummary,
  type StartWait,
  type StudyLookupFn,
  type WaitHandler,
  type WaitSchedulerOptions,
} from "./scheduler";
