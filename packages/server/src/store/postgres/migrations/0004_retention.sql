-- Retention deletes finished deliveries by the time of their last change, and keeps an event
-- while a live inbound dedupe key still points at it: both lookups need an index.
CREATE INDEX deliveries_finished ON deliveries (updated_at) WHERE status <> 'pending';
CREATE INDEX inbound_dedupe_by_event ON inbound_dedupe (event_id);
