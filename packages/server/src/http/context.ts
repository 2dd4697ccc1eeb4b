import type { Config } from '../config/load-config.js'
import type { Metrics } from '../core/metrics.js'
import type { Tracing } from '../core/tracing.js'
import type { AddressGuard } from '../delivery/network-guard.js'
import type { Store } from '../store/store.js'
import type { EventDataValidator } from './validators.js'

/** What every route module receives: no module-level state, so tests build their own. */
export interface RouteContext {
  store: Store
  config: Pick<Config, 'maxPayloadBytes'>
  /** The private-network guard, also applied to endpoint URLs when they are created. */
  guard: AddressGuard
  eventData: EventDataValidator
  metrics: Metrics
  tracing: Tracing
}
