-- What agents report about themselves (at the tunnel handshake and in GET /health) and the history
-- of their connection (docs/operations.md, Events). Portable SQL: runs on H2 and PostgreSQL.
ALTER TABLE agents ADD COLUMN os VARCHAR(64);
ALTER TABLE agents ADD COLUMN arch VARCHAR(64);
ALTER TABLE agents ADD COLUMN runtime VARCHAR(64);
ALTER TABLE agents ADD COLUMN backend_version VARCHAR(256);
ALTER TABLE agents ADD COLUMN first_connected_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE agents ADD COLUMN last_connected_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE agents ADD COLUMN last_disconnected_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE agents ADD COLUMN last_disconnect_reason VARCHAR(32);

-- A registered agent that has never answered is 'pending': placement never picks it. Agents that
-- exist already keep their status.
ALTER TABLE agents DROP CONSTRAINT agents_status;
ALTER TABLE agents ADD CONSTRAINT agents_status CHECK (status IN ('pending', 'active', 'inactive', 'error'));
