-- Broker URLs (amqp://user:pass@…, redis://:pass@…) and http URLs with user info carry
-- credentials. `url` keeps the redacted form that the API and logs show; `url_sealed` holds the
-- whole URL encrypted like the signing secrets, and is NULL when the URL has no credentials.
ALTER TABLE endpoints ADD COLUMN url_sealed TEXT;
