-- Access to workspaces through the gateway (docs/gateway-access.md). Portable SQL: runs on H2 and PostgreSQL.

-- The subject who may open the workspace (an opaque id); NULL: whoever an access request names.
ALTER TABLE workspaces ADD COLUMN owner VARCHAR(256);

-- HMAC-SHA256 keys of gateway sessions. Every hub on this database reads them at start-up, so every
-- hub verifies every other hub's sessions. Key 1 is made by the first hub that finds none (two hubs
-- starting at once collide on the primary key, and the loser reads the winner's key). Sessions
-- carry the id of their key, so a rotation can add key 2 while key 1 still verifies.
CREATE TABLE gateway_keys (
    id         INTEGER      NOT NULL PRIMARY KEY,
    secret     VARCHAR(64)  NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT gateway_keys_id CHECK (id > 0)
);

-- One-time codes of access links, by their SHA-256 (never the code itself). A code is redeemed by
-- one conditional UPDATE of used_at, so it works once across all hubs; expired rows are swept.
-- No foreign key to workspaces: a code lives a minute at most, and a deleted workspace's code
-- yields a session for a generation that no longer exists, which the gateway refuses.
CREATE TABLE gateway_codes (
    code_hash          VARCHAR(64)   NOT NULL PRIMARY KEY,
    workspace_id       VARCHAR(63)   NOT NULL,
    generation         BIGINT        NOT NULL,
    subject            VARCHAR(256)  NOT NULL,
    session_expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
    redirect_path      VARCHAR(2048) NOT NULL,
    expires_at         TIMESTAMP WITH TIME ZONE NOT NULL,
    used_at            TIMESTAMP WITH TIME ZONE
);

CREATE INDEX gateway_codes_expires ON gateway_codes (expires_at);
