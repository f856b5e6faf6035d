package io.codehub.hub.cluster;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.codehub.hub.agents.AgentConnected;
import io.codehub.hub.agents.AgentOwnership;
import io.codehub.hub.tunnel.LiveTunnels;
import io.codehub.tunnel.CloseReason;
import io.codehub.tunnel.TunnelProtocol;
import io.codehub.tunnel.TunnelSession;
import io.codehub.web.ConfigurationException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.EventListener;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * This hub's place among the hubs on the database: it holds a lease renewed every
 * {@code CODEHUB_HUB_LEASE_RENEW_INTERVAL} (database time), reads the live hubs and the tunnel
 * registry at each renewal, and keeps the registry true for its own tunnel sessions.
 *
 * <h2>The registry</h2>
 * At each renewal every local session that the registry does not show as this hub's is claimed
 * with the next epoch (the newest session wins); a local session this hub had claimed that the
 * registry now shows on another hub was superseded (the agent connected elsewhere since) and is
 * closed if it is still open {@link #SUPERSEDED_GRACE} later (an agent that moved closes it itself,
 * after its calls in flight); a claimed session that ended is released. A session is therefore in the registry within
 * one renewal of its opening, and the other hubs route to it from their next renewal on.
 *
 * <h2>Work</h2>
 * {@link #owns} says which agents' health checks and reconciliation run here: an agent whose
 * tunnel a live hub holds belongs to that hub; any other agent to the live, not draining hub that
 * rendezvous hashing of its id picks, so every hub reading the same rows picks the same one.
 *
 * <h2>Losing the lease</h2>
 * A hub that cannot renew (cut off from the database) owns nothing once its lease runs out, closes
 * its tunnel sessions with GOAWAY {@value TunnelProtocol#GOAWAY_DRAINING} so the agents reconnect
 * to another hub, and refuses tunnels ({@link #holdsLease()}) until a renewal succeeds again.
 */
public final class Membership implements SmartLifecycle, AgentOwnership {

    private static final Logger log = LoggerFactory.getLogger(Membership.class);

    /** Starts before the tunnel port (which admits agents only under a lease) and stops after it. */
    static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 1000;

    /**
     * How long a local session superseded by the agent's newer session on another hub may stay open
     * before this hub closes it (an agent that moved closes it itself, after its calls in flight).
     */
    static final Duration SUPERSEDED_GRACE = Duration.ofSeconds(30);

    /** Longest wait for one round of the database at a clean stop. */
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

    private final ClusterTables tables;
    private final LiveTunnels local;
    private final String hubId;
    private final String internalUrl;
    private final Duration ttl;
    private final Duration renewInterval;
    private final String instance = UUID.randomUUID().toString();
    /** Sessions of this hub the registry shows as claimed by it: agent id to session id. */
    private final Map<String, String> claimed = new ConcurrentHashMap<>();
    private final Map<String, InetSocketAddress> addresses = new ConcurrentHashMap<>();
    /** Local sessions the registry shows superseded by a newer one elsewhere: session id to when first seen. */
    private final Map<String, Long> superseded = new ConcurrentHashMap<>();
    private volatile View view = View.EMPTY;
    private volatile long leaseValidUntil = System.nanoTime();
    private volatile boolean leaseHeld;
    private volatile BooleanSupplier drainingNow = () -> false;
    private volatile boolean running;
    private volatile Disposable ticking = Disposables.disposed();

    Membership(ClusterTables tables, LiveTunnels local, String hubId, String internalUrl, Duration ttl,
            Duration renewInterval) {
        this.tables = tables;
        this.local = local;
        this.hubId = hubId;
        this.internalUrl = internalUrl;
        this.ttl = ttl;
        this.renewInterval = renewInterval;
    }

    /** This hub's {@code CODEHUB_HUB_ID}. */
    public String hubId() {
        return hubId;
    }

    @Override
    public void start() {
        // A hub restarted after a crash finds its previous process's lease still running: wait it out.
        long deadline = System.nanoTime() + ttl.plus(renewInterval).toNanos();
        while (true) {
            long started = System.nanoTime();
            Boolean acquired = tables.acquire(hubId, instance, internalUrl, ttl).block(ttl);
            if (Boolean.TRUE.equals(acquired)) {
                leaseValidUntil = started + ttl.toNanos();
                leaseHeld = true;
                break;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new ConfigurationException("CODEHUB_HUB_ID", "another running hub holds the id '" + hubId
                        + "' (its lease was renewed within the last " + ttl + ")",
                        "Give every hub its own CODEHUB_HUB_ID, or stop the other process first.");
            }
            log.info("hub id {} is still leased by an earlier process; waiting for the lease to lapse", hubId);
            sleep(renewInterval);
        }
        refresh().block(ttl);
        running = true;
        ticking = Flux.interval(renewInterval, renewInterval, Schedulers.parallel())
                .onBackpressureDrop()
                .concatMap(tick -> tick(), 0)
                .subscribe();
        log.info("hub {} joined the cluster at {} (lease {}, renewed every {}); live hubs: {}", hubId, internalUrl,
                ttl, renewInterval, view.hubs.keySet());
    }

    @Override
    public void stop() {
        running = false;
        ticking.dispose();
        try {
            tables.release(hubId, instance).block(STOP_TIMEOUT);
            log.info("hub {} left the cluster: lease ended, its tunnels are free for the other hubs", hubId);
        } catch (RuntimeException e) {
            log.warn("hub {} could not end its lease ({}); the other hubs take over when it lapses", hubId,
                    e.toString());
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /** Whether this hub holds its lease now: it may admit agents and do work. */
    public boolean holdsLease() {
        return leaseHeld && System.nanoTime() - leaseValidUntil < 0;
    }

    /**
     * Whether this hub drains (its tunnel port's drain, set by the configuration): a draining hub owns
     * no agent without a tunnel here, and the other hubs read that it drains at its next renewal.
     */
    public void drainingWhen(BooleanSupplier value) {
        drainingNow = value;
    }

    /**
     * A session just opened here: it goes into the registry now rather than at the next renewal, so
     * the other hubs route to it (and away from the agent's previous hub) as soon as they read.
     */
    @EventListener
    public void agentConnected(AgentConnected event) {
        if (!running || !holdsLease()) {
            return;
        }
        local.session(event.agentId()).filter(TunnelSession::isActive).ifPresent(session -> claim(session)
                .subscribe(null, e -> log.warn("hub {}: could not record agent {}'s session in the registry ({}); "
                        + "retrying at the next renewal", hubId, session.agentId(), e.toString())));
    }

    @Override
    public boolean owns(String agentId) {
        if (!holdsLease()) {
            return false;
        }
        if (local.session(agentId).filter(TunnelSession::isActive).isPresent()) {
            return true;
        }
        View v = view;
        TunnelRow row = v.tunnels.get(agentId);
        if (row != null && v.hubs.containsKey(row.hubId())) {
            return hubId.equals(row.hubId());
        }
        return hubId.equals(pick(agentId, v));
    }

    /** The live hub other than this one that holds agent {@code agentId}'s tunnel, if any. */
    Optional<Holder> holder(String agentId) {
        View v = view;
        TunnelRow row = v.tunnels.get(agentId);
        if (row == null || hubId.equals(row.hubId())) {
            return Optional.empty();
        }
        LiveHub hub = v.hubs.get(row.hubId());
        InetSocketAddress address = hub == null ? null : addresses.get(hub.internalUrl());
        return address == null ? Optional.empty() : Optional.of(new Holder(hub, address, row));
    }

    /** One renewal: lease, live hubs, registry; never fails (a failed round is logged and retried). */
    Mono<Void> tick() {
        long started = System.nanoTime();
        return tables.renew(hubId, instance, ttl, drainingNow.getAsBoolean())
                .flatMap(held -> held ? Mono.just(true) : tables.acquire(hubId, instance, internalUrl, ttl))
                .flatMap(held -> {
                    if (held) {
                        leaseValidUntil = started + ttl.toNanos();
                        if (!leaseHeld) {
                            log.info("hub {} holds its lease again; admitting agents", hubId);
                        }
                        leaseHeld = true;
                    } else {
                        log.error("hub {}: another process holds this hub id's lease; give every hub its own "
                                + "CODEHUB_HUB_ID", hubId);
                    }
                    return refresh();
                })
                .timeout(renewInterval.plus(renewInterval))
                .onErrorResume(e -> {
                    log.warn("hub {}: lease renewal failed ({}); lease valid for {} ms more", hubId, e.toString(),
                            Math.max(0, (leaseValidUntil - System.nanoTime()) / 1_000_000));
                    return Mono.empty();
                })
                .then(Mono.fromRunnable(this::checkLease));
    }

    /** Reads the live hubs and the registry, then brings the registry in line with the local sessions. */
    private Mono<Void> refresh() {
        return Mono.zip(tables.liveHubs(), tables.liveTunnels())
                .flatMap(read -> {
                    Map<String, LiveHub> hubs = read.getT1().stream()
                            .collect(Collectors.toUnmodifiableMap(LiveHub::id, Function.identity()));
                    Map<String, TunnelRow> tunnels = read.getT2().stream()
                            .collect(Collectors.toUnmodifiableMap(TunnelRow::agentId, Function.identity()));
                    view = new View(hubs, tunnels);
                    return resolve(hubs.values()).then(syncSessions(tunnels));
                });
    }

    /** Resolves the other hubs' internal addresses off the event loops, once per URL. */
    private Mono<Void> resolve(Iterable<LiveHub> hubs) {
        List<String> missing = new ArrayList<>();
        for (LiveHub hub : hubs) {
            if (!hub.id().equals(hubId) && !addresses.containsKey(hub.internalUrl())) {
                missing.add(hub.internalUrl());
            }
        }
        if (missing.isEmpty()) {
            return Mono.empty();
        }
        return Mono.fromRunnable(() -> missing.forEach(url -> {
            URI uri = URI.create(url);
            InetSocketAddress address = new InetSocketAddress(uri.getHost(), uri.getPort());
            if (address.isUnresolved()) {
                log.warn("hub {}: cannot resolve the internal URL {} of another hub; retrying at the next renewal",
                        hubId, url);
            } else {
                addresses.put(url, address);
            }
        })).subscribeOn(Schedulers.boundedElastic()).then();
    }

    private Mono<Void> syncSessions(Map<String, TunnelRow> tunnels) {
        if (!holdsLease()) {
            return Mono.empty();
        }
        List<Mono<Void>> writes = new ArrayList<>();
        Map<String, TunnelSession> live = new HashMap<>();
        for (TunnelSession session : local.sessions()) {
            if (!session.isActive()) {
                continue;
            }
            String agentId = session.agentId();
            String sessionId = session.sessionId();
            live.put(agentId, session);
            TunnelRow row = tunnels.get(agentId);
            if (row != null && row.hubId().equals(hubId) && row.sessionId().equals(sessionId)) {
                claimed.put(agentId, sessionId);
            } else if (row != null && sessionId.equals(claimed.get(agentId))) {
                // The agent connected elsewhere since. An agent that moved closes this session itself once
                // its streams in flight are done; one that is still open after the grace is a leftover
                // (its agent lost it half-open) and is closed here.
                long since = superseded.computeIfAbsent(sessionId, id -> System.nanoTime());
                if (System.nanoTime() - since - SUPERSEDED_GRACE.toNanos() > 0) {
                    log.info("agent {} is on hub {} now: closing its older session {} here", agentId, row.hubId(),
                            sessionId);
                    claimed.remove(agentId, sessionId);
                    superseded.remove(sessionId);
                    session.close(TunnelProtocol.GOAWAY_REPLACED, CloseReason.REPLACED);
                }
            } else {
                writes.add(claim(session));
            }
        }
        superseded.keySet().removeIf(sessionId -> live.values().stream()
                .noneMatch(session -> session.sessionId().equals(sessionId)));
        claimed.forEach((agentId, sessionId) -> {
            TunnelSession session = live.get(agentId);
            if (session == null || !session.sessionId().equals(sessionId)) {
                writes.add(tables.releaseTunnel(agentId, sessionId)
                        .doOnSuccess(done -> claimed.remove(agentId, sessionId)));
            }
        });
        return Flux.fromIterable(writes).flatMap(Function.identity(), 8).then();
    }

    private Mono<Void> claim(TunnelSession session) {
        return tables.claimTunnel(session.agentId(), hubId, session.sessionId(), address(session))
                .doOnSuccess(done -> claimed.put(session.agentId(), session.sessionId()));
    }

    private void checkLease() {
        if (!leaseHeld || holdsLease()) {
            return;
        }
        leaseHeld = false;
        var sessions = local.sessions();
        log.error("hub {} lost its lease (no renewal for {}): closing its {} tunnel session(s) so the agents move "
                + "to another hub, refusing new ones until the database answers again", hubId, ttl, sessions.size());
        sessions.forEach(session -> session.close(TunnelProtocol.GOAWAY_DRAINING, CloseReason.HUB_SHUTDOWN));
        claimed.clear();
    }

    /**
     * The live, not draining hub rendezvous hashing picks for {@code agentId} (any live hub when all
     * drain; this hub when it sees none).
     */
    private String pick(String agentId, View v) {
        String best = null;
        long bestScore = Long.MIN_VALUE;
        boolean anyActive = v.hubs.values().stream().anyMatch(h -> !isDraining(h));
        for (LiveHub hub : v.hubs.values()) {
            if (anyActive && isDraining(hub)) {
                continue;
            }
            long score = score(agentId, hub.id());
            if (best == null || score > bestScore || score == bestScore && hub.id().compareTo(best) < 0) {
                best = hub.id();
                bestScore = score;
            }
        }
        return best == null ? hubId : best;
    }

    private boolean isDraining(LiveHub hub) {
        return hub.id().equals(hubId) ? drainingNow.getAsBoolean() : hub.draining();
    }

    static long score(String agentId, String hubId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((agentId + '\n' + hubId).getBytes(StandardCharsets.UTF_8));
            long value = 0;
            for (int i = 0; i < Long.BYTES; i++) {
                value = value << 8 | (digest[i] & 0xff);
            }
            return value;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    private static @Nullable String address(TunnelSession session) {
        InetSocketAddress remote = session.remoteAddress();
        String host = remote.getAddress() == null ? remote.getHostString() : remote.getAddress().getHostAddress();
        return host + ":" + remote.getPort();
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the hub's lease", e);
        }
    }

    /** Where to forward for an agent: the holding hub, its relay address and its registry row. */
    record Holder(LiveHub hub, InetSocketAddress address, TunnelRow row) {
    }

    private record View(Map<String, LiveHub> hubs, Map<String, TunnelRow> tunnels) {
        static final View EMPTY = new View(Map.of(), Map.of());
    }
}
