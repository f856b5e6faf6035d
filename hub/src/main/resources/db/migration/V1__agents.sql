-- Runtime Agents registered with the hub (DESIGN.md, Data). Portable SQL: runs on H2 and PostgreSQL.
CREATE TABLE agents (
    id                      VARCHAR(128)  NOT NULL PRIMARY KEY,
    name                    VARCHAR(128)  NOT NULL,
    endpoint                VARCHAR(2048) NOT NULL,
    api_key_hash            VARCHAR(100)  NOT NULL,
    -- Key rotation: the replaced key keeps working until previous_key_expires_at.
    previous_api_key_hash   VARCHAR(100),
    previous_key_expires_at TIMESTAMP WITH TIME ZONE,
    type                    VARCHAR(32)   NOT NULL,
    status                  VARCHAR(16)   NOT NULL,
    capacity                INTEGER       NOT NULL,
    current_load            INTEGER       NOT NULL DEFAULT 0,
    region                  VARCHAR(64),
    labels                  VARCHAR(16384) NOT NULL DEFAULT '{}',
    last_health_at          TIMESTAMP WITH TIME ZONE,
    consecutive_failures    INTEGER       NOT NULL DEFAULT 0,
    last_error              VARCHAR(1024),
    agent_version           VARCHAR(64),
    created_at              TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at              TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT agents_status CHECK (status IN ('active', 'inactive', 'error')),
    CONSTRAINT agents_capacity CHECK (capacity >= 0),
    CONSTRAINT agents_load CHECK (current_load >= 0)
);

CREATE INDEX agents_status_region ON agents (status, region);
