-- Workspaces: what the API asked for (desired_state) and what the reconciler last saw on the agent
-- (observed_state). job_id is the agent's archive/restore job in flight, so that a restarted hub
-- resumes waiting for it instead of starting another. version guards every update (optimistic lock).
CREATE TABLE workspaces (
    id              VARCHAR(63)   NOT NULL PRIMARY KEY,
    name            VARCHAR(128)  NOT NULL,
    agent_id        VARCHAR(128)  NOT NULL,
    image           VARCHAR(512)  NOT NULL,
    spec            VARCHAR(1048576) NOT NULL,
    desired_state   VARCHAR(16)   NOT NULL,
    observed_state  VARCHAR(16)   NOT NULL,
    reason          VARCHAR(1024),
    archive_key     VARCHAR(160),
    job_id          VARCHAR(128),
    attempts        INTEGER       NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP WITH TIME ZONE,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    version         BIGINT        NOT NULL DEFAULT 0,
    CONSTRAINT workspaces_agent FOREIGN KEY (agent_id) REFERENCES agents (id),
    CONSTRAINT workspaces_desired CHECK (desired_state IN ('RUNNING', 'STOPPED', 'ARCHIVED', 'DELETED')),
    CONSTRAINT workspaces_observed CHECK (observed_state IN ('PENDING', 'STARTING', 'RUNNING', 'STOPPING',
        'STOPPED', 'ARCHIVING', 'ARCHIVED', 'RESTORING', 'DELETING', 'ERROR'))
);

CREATE INDEX workspaces_agent ON workspaces (agent_id);
CREATE INDEX workspaces_observed ON workspaces (observed_state);
