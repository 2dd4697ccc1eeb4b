-- Stream tokens: API keys of scope `stream`, bound to one endpoint, that may only read that
-- endpoint's events from GET /v1/stream (an agent without a public URL gets exactly its feed).
ALTER TABLE api_keys ADD COLUMN endpoint_id TEXT;
