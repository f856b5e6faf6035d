-- What each agent must present on the tunnel port (issue 5): api-key, mtls or api-key+mtls.
ALTER TABLE agents ADD COLUMN auth VARCHAR(16) DEFAULT 'api-key' NOT NULL;
ALTER TABLE agents ADD CONSTRAINT agents_auth CHECK (auth IN ('api-key', 'mtls', 'api-key+mtls'));
