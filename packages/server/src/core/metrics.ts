/**
 * What Hookline counts, in domain words. The Prometheus implementation lives in the http layer
 * (which serves /metrics); lower layers only see this interface, and tests can pass `NO_METRICS`.
 */
export type AttemptOutcome = 'succeeded' | 'retrying' | 'failed' | 'exhausted'

export interface Metrics {
  /** A new event was accepted (not an idempotent replay or an inbound duplicate). */
  eventAccepted(type: string, source: string | null): void
  inboundDuplicate(source: string): void
  inboundRejected(source: string, reason: string): void
  /** One HTTP attempt finished; `outcome` is what it did to its delivery. */
  attemptFinished(endpointId: string, outcome: AttemptOutcome, durationMs: number): void
  /** One group commit: how many writes it carried and how long the transaction took. */
  storeCommit(batchSize: number, durationMs: number): void
}

export const NO_METRICS: Metrics = {
  eventAccepted() {},
  inboundDuplicate() {},
  inboundRejected() {},
  attemptFinished() {},
  storeCommit() {},
}
