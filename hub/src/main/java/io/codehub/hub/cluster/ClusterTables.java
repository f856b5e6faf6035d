package io.codehub.hub.cluster;

import java.time.Duration;
import java.util.List;

import io.codehub.hub.db.Sql;
import io.r2dbc.spi.Readable;
import org.jspecify.annotations.Nullable;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Mono;

/**
 * The cluster's rows (V7): the hubs' leases and the tunnel registry. Every time that decides
 * anything is the database's ({@code now()}), never a hub's clock, so hubs with skewed clocks agree
 * on who is alive. PostgreSQL only: many hubs need it.
 */
final class ClusterTables {

    private final DatabaseClient db;

    ClusterTables(DatabaseClient db) {
        this.db = db;
    }

    /**
     * Takes the lease of hub {@code id} for {@code instance}: inserts the row, or takes it over when
     * its lease has lapsed or it is this instance's already. False while another live process holds
     * the id.
     */
    Mono<Boolean> acquire(String id, String instance, String internalUrl, Duration ttl) {
        return db.sql("""
                INSERT INTO hubs (id, instance, internal_url, started_at, lease_expires_at, draining)
                VALUES (:id, :instance, :url, now(), now() + :ttl * INTERVAL '1 millisecond', FALSE)
                ON CONFLICT (id) DO UPDATE SET instance = excluded.instance, internal_url = excluded.internal_url,
                    started_at = excluded.started_at, lease_expires_at = excluded.lease_expires_at, draining = FALSE
                WHERE hubs.lease_expires_at < now() OR hubs.instance = excluded.instance""")
                .bind("id", id).bind("instance", instance).bind("url", internalUrl).bind("ttl", ttl.toMillis())
                .fetch().rowsUpdated().map(rows -> rows > 0);
    }

    /** Renews the lease; false when this instance no longer holds it (it lapsed and was taken over). */
    Mono<Boolean> renew(String id, String instance, Duration ttl, boolean draining) {
        return db.sql("""
                UPDATE hubs SET lease_expires_at = now() + :ttl * INTERVAL '1 millisecond', draining = :draining
                WHERE id = :id AND instance = :instance""")
                .bind("id", id).bind("instance", instance).bind("ttl", ttl.toMillis()).bind("draining", draining)
                .fetch().rowsUpdated().map(rows -> rows > 0);
    }

    /** Ends the lease now (a clean stop): the other hubs take this hub's share at their next read. */
    Mono<Void> release(String id, String instance) {
        return db.sql("UPDATE hubs SET lease_expires_at = now() WHERE id = :id AND instance = :instance")
                .bind("id", id).bind("instance", instance).then()
                .then(db.sql("DELETE FROM agent_tunnels WHERE hub_id = :id").bind("id", id).then());
    }

    /** The hubs whose lease runs now, by id. */
    Mono<List<LiveHub>> liveHubs() {
        return db.sql("SELECT id, internal_url, draining FROM hubs WHERE lease_expires_at > now() ORDER BY id")
                .map(row -> new LiveHub(Sql.text(row, "id"), Sql.text(row, "internal_url"),
                        Boolean.TRUE.equals(row.get("draining", Boolean.class))))
                .all().collectList();
    }

    /** The tunnel registry's rows held by live hubs. */
    Mono<List<TunnelRow>> liveTunnels() {
        return db.sql("""
                SELECT t.agent_id, t.hub_id, t.session_id, t.epoch, t.remote_address, t.connected_at
                FROM agent_tunnels t JOIN hubs h ON h.id = t.hub_id WHERE h.lease_expires_at > now()""")
                .map(ClusterTables::tunnel).all().collectList();
    }

    /**
     * Records that this hub holds agent {@code agentId}'s session {@code sessionId}, with the next
     * epoch: the newest claim wins, whoever held the agent before.
     */
    Mono<Void> claimTunnel(String agentId, String hubId, String sessionId, @Nullable String remoteAddress) {
        var spec = db.sql("""
                INSERT INTO agent_tunnels (agent_id, hub_id, session_id, epoch, remote_address, connected_at)
                VALUES (:agent, :hub, :session, nextval('tunnel_epochs'), :remote, now())
                ON CONFLICT (agent_id) DO UPDATE SET hub_id = excluded.hub_id, session_id = excluded.session_id,
                    epoch = excluded.epoch, remote_address = excluded.remote_address,
                    connected_at = excluded.connected_at
                WHERE agent_tunnels.epoch < excluded.epoch""")
                .bind("agent", agentId).bind("hub", hubId).bind("session", sessionId);
        return Sql.bind(spec, "remote", remoteAddress, String.class).then();
    }

    /** Forgets session {@code sessionId} of the agent, unless a newer session replaced the row. */
    Mono<Void> releaseTunnel(String agentId, String sessionId) {
        return db.sql("DELETE FROM agent_tunnels WHERE agent_id = :agent AND session_id = :session")
                .bind("agent", agentId).bind("session", sessionId).then();
    }

    /**
     * Claims workspace {@code workspaceId}'s steps for hub {@code hubId}: won when nobody holds them,
     * this hub does, or the holder's lease has lapsed.
     */
    Mono<Boolean> claimSteps(String workspaceId, String hubId) {
        return db.sql("""
                UPDATE workspaces SET step_hub = :hub
                WHERE id = :id AND (step_hub IS NULL OR step_hub = :hub OR NOT EXISTS (
                    SELECT 1 FROM hubs h WHERE h.id = workspaces.step_hub AND h.lease_expires_at > now()))""")
                .bind("id", workspaceId).bind("hub", hubId)
                .fetch().rowsUpdated().map(rows -> rows > 0);
    }

    /** Gives workspace {@code workspaceId}'s steps back, if hub {@code hubId} holds them. */
    Mono<Void> releaseSteps(String workspaceId, String hubId) {
        return db.sql("UPDATE workspaces SET step_hub = NULL WHERE id = :id AND step_hub = :hub")
                .bind("id", workspaceId).bind("hub", hubId).then();
    }

    private static TunnelRow tunnel(Readable row) {
        return new TunnelRow(Sql.text(row, "agent_id"), Sql.text(row, "hub_id"), Sql.text(row, "session_id"),
                Sql.bigint(row, "epoch"), row.get("remote_address", String.class),
                Sql.requiredInstant(row, "connected_at"));
    }
}
