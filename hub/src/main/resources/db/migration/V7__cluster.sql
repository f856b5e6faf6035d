-- Many hubs on one PostgreSQL (docs/high-availability.md). Portable SQL: the tables exist on H2 too,
-- where a single hub never uses them.

-- Hub membership: each hub renews its lease in database time; a hub whose lease has lapsed is dead
-- for routing, with no clean-up needed by anyone. 'instance' is random per process, so two
-- processes started with the same CODEHUB_HUB_ID cannot both hold the lease.
CREATE TABLE hubs (
    id               VARCHAR(64)  PRIMARY KEY,
    instance         VARCHAR(64)  NOT NULL,
    internal_url     VARCHAR(512) NOT NULL,
    started_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    lease_expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
    draining         BOOLEAN      NOT NULL DEFAULT FALSE
);

-- The tunnel registry: which hub holds each agent's tunnel session. A claim takes the next epoch,
-- so the newest session wins and an older one never claims the agent back.
CREATE SEQUENCE tunnel_epochs;
CREATE TABLE agent_tunnels (
    agent_id       VARCHAR(128) PRIMARY KEY,
    hub_id         VARCHAR(64)  NOT NULL,
    session_id     VARCHAR(64)  NOT NULL,
    epoch          BIGINT       NOT NULL,
    remote_address VARCHAR(128),
    connected_at   TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX agent_tunnels_hub ON agent_tunnels (hub_id);

-- Secrets every hub on the database shares: the hub's ES256 signing key (a private JWK) and the
-- HMAC key of hub-to-hub relay tokens. The first hub to find one missing makes it.
CREATE TABLE cluster_keys (
    name       VARCHAR(32)   PRIMARY KEY,
    secret     VARCHAR(4096) NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL
);

-- The hub running a workspace's reconcile step right now; a step runs only on the hub that set it,
-- and a hub whose lease lapsed loses it.
ALTER TABLE workspaces ADD COLUMN step_hub VARCHAR(64);
