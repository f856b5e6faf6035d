package io.codehub.hub.access;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.function.IntSupplier;

import io.codehub.hub.config.GatewayProperties;
import io.codehub.hub.problem.HubProblemException;
import io.codehub.hub.problem.HubProblemType;
import io.codehub.hub.workspaces.DesiredState;
import io.codehub.hub.workspaces.Workspace;
import io.codehub.hub.workspaces.WorkspaceService;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Grants access to a workspace: checks who may have it, then hands out a one-time link (an
 * {@link AccessCodes} code on the workspace's gateway host) and a session token
 * ({@link GatewaySessions}) with the same expiry. Logs each grant without its code or token.
 *
 * <h2>Who</h2>
 * A workspace with an owner is opened only by its owner: the subject defaults to the owner, and a
 * request naming another is refused ({@code access-denied}). A workspace without one is opened by
 * whichever subject the request names (it must name one).
 *
 * <p>Thread-safe; non-blocking.
 */
public final class WorkspaceAccess {

    /** Longest landing path. */
    public static final int MAX_PATH_LENGTH = 2048;
    /** The gateway's path that redeems a code and sets the cookie. */
    public static final String REDEEM_PATH = "/.codehub/access";

    private static final Logger log = LoggerFactory.getLogger(WorkspaceAccess.class);
    private static final Duration SHORTEST_TTL = Duration.ofSeconds(1);

    private final WorkspaceService workspaces;
    private final GatewaySessions sessions;
    private final AccessCodes codes;
    private final GatewayProperties gateway;
    private final IntSupplier boundPort;
    private final Clock clock;

    /** @param boundPort the gateway's listening port now ({@link GatewayAddress#boundPort()}) */
    public WorkspaceAccess(WorkspaceService workspaces, GatewaySessions sessions, AccessCodes codes,
            GatewayProperties gateway, IntSupplier boundPort, Clock clock) {
        this.workspaces = workspaces;
        this.sessions = sessions;
        this.codes = codes;
        this.gateway = gateway;
        this.boundPort = boundPort;
        this.clock = clock;
    }

    /**
     * Access to the workspace {@code workspaceId} as {@code request} asks. Fails with
     * {@code validation-failed} (ttl, path, or no subject for a workspace without owner),
     * {@code workspace-not-found} (unknown, or being deleted) or {@code access-denied} (not the owner).
     */
    public Mono<AccessGrant> grant(String workspaceId, AccessRequest request) {
        return Mono.defer(() -> {
            Duration ttl = ttl(request.ttl());
            String path = path(request.path());
            return workspaces.get(workspaceId).flatMap(workspace -> {
                if (workspace.desired() == DesiredState.DELETED) {
                    return Mono.error(HubProblemException.workspaceNotFound(workspaceId));
                }
                String subject = subject(workspace, request.subject());
                String host = host(workspace, request.port());
                Instant expiresAt = clock.instant().plus(ttl).truncatedTo(ChronoUnit.SECONDS);
                String token = sessions.mint(workspace.id(), workspace.generation(), subject, expiresAt);
                return codes.issue(workspace.id(), workspace.generation(), subject, expiresAt, path)
                        .map(code -> new AccessGrant(link(host, code), token, expiresAt))
                        .doOnNext(grant -> log.info("access to workspace {} granted to subject {} until {} (lands on {})",
                                workspace.id(), subject, expiresAt, withoutQuery(path)));
            });
        });
    }

    private String link(String host, String code) {
        return gateway.origin(host, boundPort.getAsInt()) + REDEEM_PATH + "?code=" + code;
    }

    /** The workspace's host for {@code port}: its own, or {@code <port>--<id>} for one of its other ports. */
    private String host(Workspace workspace, @Nullable Integer port) {
        String own = workspace.id() + "." + gateway.appsDomain();
        if (port == null || port == workspace.spec().port()) {
            return own;
        }
        if (!workspace.spec().ports().contains(port)) {
            throw HubProblemException.invalid("port", port + " (expected: the workspace's port "
                    + workspace.spec().port() + " or one of its ports " + workspace.spec().ports() + ")");
        }
        return port + "--" + own;
    }

    private static String subject(Workspace workspace, @Nullable String requested) {
        String owner = workspace.owner();
        if (owner == null) {
            if (requested == null) {
                throw HubProblemException.invalid("subject", "required (workspace " + workspace.id()
                        + " has no owner to default to)");
            }
            return requested;
        }
        if (requested != null && !requested.equals(owner)) {
            throw new HubProblemException(HubProblemType.ACCESS_DENIED, "workspace " + workspace.id()
                    + " has an owner, and subject '" + shorten(requested) + "' is not it; only its owner may open it");
        }
        return owner;
    }

    private Duration ttl(@Nullable String text) {
        if (text == null) {
            return gateway.sessionTtl();
        }
        Duration ttl;
        try {
            ttl = DurationText.parse(text);
        } catch (IllegalArgumentException e) {
            throw HubProblemException.invalid("ttl", e.getMessage());
        }
        String longest = DurationText.format(gateway.maxSessionTtl());
        if (ttl.compareTo(SHORTEST_TTL) < 0) {
            throw HubProblemException.invalid("ttl", "'" + text + "' (expected: between 1s and " + longest + ")");
        }
        if (ttl.compareTo(gateway.maxSessionTtl()) > 0) {
            throw HubProblemException.invalid("ttl", "'" + text + "' is longer than the longest session, " + longest
                    + " (CODEHUB_HUB_GATEWAY_MAX_SESSION_TTL)");
        }
        return ttl;
    }

    /** The landing path: on the workspace host and nowhere else, and safe in a {@code Location} header. */
    static String path(@Nullable String path) {
        if (path == null) {
            return "/";
        }
        boolean printable = true;
        for (int i = 0; i < path.length() && printable; i++) {
            char c = path.charAt(i);
            printable = c > 0x20 && c < 0x7f && c != '\\';
        }
        if (!path.startsWith("/") || path.startsWith("//") || !printable || path.length() > MAX_PATH_LENGTH) {
            throw HubProblemException.invalid("path", "'" + shorten(path.replaceAll("\\p{Cc}", "?")) + "' (expected: a "
                    + "path on the workspace host, starting with a single /, of printable ASCII without spaces or "
                    + "backslashes, percent-encoded otherwise)");
        }
        return path;
    }

    /** The path without query or fragment, for the log: those may carry what the log should not. */
    private static String withoutQuery(String path) {
        int end = path.length();
        for (int i = 0; i < path.length(); i++) {
            if (path.charAt(i) == '?' || path.charAt(i) == '#') {
                end = i;
                break;
            }
        }
        return shorten(path.substring(0, end));
    }

    private static String shorten(String value) {
        return value.length() > 80 ? value.substring(0, 80) + "..." : value;
    }
}
