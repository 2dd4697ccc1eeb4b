-- A poller's URL can carry credentials (https://user:pass@legacy.example.com/status) like an
-- endpoint's: `url` keeps the redacted form, `url_sealed` the whole URL encrypted (NULL when
-- there are no credentials), as migration 0007 does for endpoints.
ALTER TABLE pollers ADD COLUMN url_sealed TEXT;
