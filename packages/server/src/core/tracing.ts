/**
 * Optional tracing (OpenTelemetry when OTEL_EXPORTER_OTLP_ENDPOINT is set). The accept of an
 * event and every delivery attempt of it become spans of one trace whose id is derived from
 * the event id, so a trace viewer shows an event's whole life, across processes and retries,
 * without passing any context around. Lower layers see only this interface.
 */
export interface SpanTimes {
  startMs: number
  endMs: number
}

export interface Tracing {
  eventAccepted(event: { id: string; type: string }, source: string | null, times: SpanTimes): void
  attemptFinished(
    attempt: {
      eventId: string
      eventType: string
      deliveryId: string
      endpointId: string
      attempt: number
      statusCode: number | null
      error: string | null
      outcome: string
    },
    times: SpanTimes,
  ): void
  shutdown(): Promise<void>
}

export const NO_TRACING: Tracing = {
  eventAccepted() {},
  attemptFinished() {},
  async shutdown() {},
}
