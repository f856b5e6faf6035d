package io.codehub.hub.support;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.awaitility.core.ConditionTimeoutException;

/**
 * Debian's HAProxy ({@code /usr/sbin/haproxy}, which {@code .ci/prepare-env} installs) in front of
 * hubs of the test's, run in the foreground ({@code -db}) as a child process with the SHIPPED
 * configuration, {@code deploy/haproxy/haproxy.cfg}, so that what the tests run is what operators
 * deploy. Only what must differ on a test machine is rewritten ({@link #render}): every frontend's
 * {@code bind} becomes a free loopback port, every backend's {@code server} lines become the given
 * hubs' (with health checks at test speed), and the daemon settings of {@code global} (chroot,
 * user, syslog, the system stats socket) give way to a foreground process logging to its own file.
 * Every other line (balance, timeouts, health-check requests, on-marked-down) is the shipped one.
 */
public final class Haproxy implements AutoCloseable {

    /** The shipped configuration, seen from the hub module. */
    public static final Path SHIPPED_CONFIG = Path.of("..", "deploy", "haproxy", "haproxy.cfg");
    /** Debian's binary. */
    public static final Path BINARY = Path.of("/usr/sbin/haproxy");
    /** The shipped frontends (and the stats listener), each given a port of its own. */
    public static final List<String> FRONTENDS = List.of("tunnel", "api", "gateway", "stats");
    /**
     * Health checks at test speed, appended to each server line (they win over {@code default-server}):
     * a dead hub is down within about a second, a restarted one up at its first good answer.
     */
    public static final String TEST_CHECKS = "inter 500ms fastinter 250ms downinter 500ms fall 2 rise 1";

    private static final Set<String> DAEMON_GLOBALS = Set.of("chroot", "user", "group", "daemon", "pidfile", "log",
            "maxconn");

    private final Process process;
    private final Map<String, Integer> ports;
    private final Path config;
    private final Path log;
    private final Path socket;

    private Haproxy(Process process, Map<String, Integer> ports, Path config, Path log, Path socket) {
        this.process = process;
        this.ports = ports;
        this.config = config;
        this.log = log;
        this.socket = socket;
    }

    /** One {@code server} line's target: a hub's port for that backend, checked on its API port. */
    public record Server(String name, int port, int checkPort) {
    }

    /**
     * Starts HAProxy in front of {@code hubs} (tunnel, API and gateway backends on their ports,
     * checked on their API ports), its configuration, socket and log in {@code dir}; returns once
     * every frontend accepts connections.
     */
    public static Haproxy start(List<HubProcess> hubs, Path dir) throws IOException {
        return start(hubs, dir, true);
    }

    /**
     * As {@link #start(List, Path)}, with the shipped layer-7 retries ({@code retry-on},
     * {@code disable-l7-retry}) left out when {@code layer7Retries} is false: HAProxy then retries
     * connection failures only, so a hub that closes a request unanswered shows as HAProxy's 502
     * instead of being hidden by a retry on another hub. For tests of what hubs do by themselves.
     */
    public static Haproxy start(List<HubProcess> hubs, Path dir, boolean layer7Retries) throws IOException {
        Map<String, List<Server>> backends = new LinkedHashMap<>();
        backends.put("tunnel_hubs", hubs.stream().map(h -> new Server(h.hubId(), h.tunnelPort(), h.apiPort())).toList());
        backends.put("api_hubs", hubs.stream().map(h -> new Server(h.hubId(), h.apiPort(), h.apiPort())).toList());
        backends.put("gateway_hubs", hubs.stream().map(h -> new Server(h.hubId(), h.gatewayPort(), h.apiPort()))
                .toList());
        return start(backends, dir, layer7Retries);
    }

    /**
     * Starts HAProxy with {@code backends} as the servers of each shipped backend (by backend name:
     * {@code tunnel_hubs}, {@code api_hubs}, {@code gateway_hubs}), as {@link #start(List, Path)} does
     * for hubs: for tests that put stand-ins of their own behind the shipped configuration.
     */
    public static Haproxy start(Map<String, List<Server>> backends, Path dir) throws IOException {
        return start(backends, dir, true);
    }

    private static Haproxy start(Map<String, List<Server>> backends, Path dir, boolean layer7Retries)
            throws IOException {
        if (!Files.isExecutable(BINARY)) {
            throw new IllegalStateException(BINARY + " is missing: install Debian's haproxy package "
                    + "(.ci/prepare-env does; it never starts the system service)");
        }
        Files.createDirectories(dir);
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (String frontend : FRONTENDS) {
            ports.put(frontend, AgentProcess.freePort());
        }
        String shipped = Files.readString(SHIPPED_CONFIG);
        Path socket = dir.toAbsolutePath().resolve("admin.sock");
        Path config = Files.writeString(dir.resolve("haproxy.cfg"),
                render(layer7Retries ? shipped : withoutLayer7Retries(shipped), ports, backends, socket));
        Path log = dir.resolve("haproxy.log");
        Process process = new ProcessBuilder(BINARY.toString(), "-f", config.toAbsolutePath().toString(), "-db")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        Haproxy haproxy = new Haproxy(process, Map.copyOf(ports), config, log, socket);
        try {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
                if (!process.isAlive()) {
                    throw new AssertionError("exited");
                }
                for (int port : ports.values()) {
                    new Socket(InetAddress.getLoopbackAddress(), port).close();
                }
                return true;
            });
        } catch (ConditionTimeoutException e) {
            haproxy.close();
            throw new IllegalStateException("haproxy did not start (" + (process.isAlive() ? "running"
                    : "exited with " + process.exitValue()) + "); its log:\n" + Files.readString(log), e);
        }
        return haproxy;
    }

    /**
     * The shipped configuration {@code shipped} with the {@code bind} of each frontend (or listen
     * section) named in {@code ports} on {@code 127.0.0.1:<port>}, the {@code server} lines of each
     * backend named in {@code backends} replaced by those servers on 127.0.0.1 (with
     * {@link #TEST_CHECKS}), and the daemon lines of {@code global} replaced by a foreground
     * process's (stats socket at {@code socket}, logs to stdout). Fails when a named section is
     * missing or a section binds or serves what is not named: the shipped file and this test
     * harness must not drift apart silently.
     */
    public static String render(String shipped, Map<String, Integer> ports, Map<String, List<Server>> backends,
            Path socket) {
        StringBuilder out = new StringBuilder();
        Set<String> bound = new HashSet<>();
        Set<String> served = new HashSet<>();
        String section = "";
        String name = "";
        for (String line : shipped.split("\n", -1)) {
            String trimmed = line.strip();
            String[] words = trimmed.split("\\s+");
            if (!line.isEmpty() && !Character.isWhitespace(line.charAt(0)) && !trimmed.startsWith("#")) {
                section = words[0];
                name = words.length > 1 ? words[1] : "";
                out.append(line).append('\n');
                if (section.equals("global")) {
                    out.append("    log stdout format raw local0\n");
                    out.append("    stats socket ").append(socket).append(" mode 600 level admin\n");
                    out.append("    maxconn 4096\n");
                }
                continue;
            }
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                out.append(line).append('\n');
                continue;
            }
            if (section.equals("global") && (DAEMON_GLOBALS.contains(words[0])
                    || trimmed.startsWith("stats socket"))) {
                continue;
            }
            if (words[0].equals("bind")) {
                Integer port = ports.get(name);
                if (port == null) {
                    throw new IllegalArgumentException(section + " " + name + " binds " + trimmed
                            + " but the test gives it no port (ports: " + ports.keySet() + ")");
                }
                if (bound.add(name)) {
                    out.append("    bind 127.0.0.1:").append(port).append('\n');
                }
                continue;
            }
            if (words[0].equals("server")) {
                List<Server> servers = backends.get(name);
                if (servers == null) {
                    throw new IllegalArgumentException(section + " " + name + " has " + trimmed
                            + " but the test gives it no servers (backends: " + backends.keySet() + ")");
                }
                if (served.add(name)) {
                    for (Server server : servers) {
                        out.append("    server ").append(server.name()).append(" 127.0.0.1:").append(server.port())
                                .append(" check port ").append(server.checkPort()).append(' ').append(TEST_CHECKS)
                                .append('\n');
                    }
                }
                continue;
            }
            out.append(line).append('\n');
        }
        if (!bound.equals(ports.keySet())) {
            throw new IllegalArgumentException("no bind line in " + difference(ports.keySet(), bound));
        }
        if (!served.equals(backends.keySet())) {
            throw new IllegalArgumentException("no server lines in " + difference(backends.keySet(), served));
        }
        return out.toString();
    }

    /** {@code config} without its {@code retry-on} and {@code http-request disable-l7-retry} lines; fails when it has none. */
    public static String withoutLayer7Retries(String config) {
        String without = config.lines()
                .filter(line -> !line.strip().startsWith("retry-on ") && !line.strip().startsWith("http-request disable-l7-retry"))
                .collect(Collectors.joining("\n", "", "\n"));
        if (without.lines().count() == config.lines().count()) {
            throw new IllegalArgumentException("the configuration has no layer-7 retries to leave out");
        }
        return without;
    }

    /** The port of {@code frontend} (one of {@link #FRONTENDS}). */
    public int port(String frontend) {
        Integer port = ports.get(frontend);
        if (port == null) {
            throw new IllegalArgumentException("frontend '" + frontend + "' (expected one of " + FRONTENDS + ")");
        }
        return port;
    }

    /** {@code http://127.0.0.1:<api frontend port>}. */
    public String apiUrl() {
        return "http://127.0.0.1:" + port("api");
    }

    /** The tunnel frontend as an agent's {@code CODEHUB_AGENT_HUB_URL} names it. */
    public String tunnelUrl() {
        return "tcp://127.0.0.1:" + port("tunnel");
    }

    /** {@code http://127.0.0.1:<gateway frontend port>}. */
    public String gatewayUrl() {
        return "http://127.0.0.1:" + port("gateway");
    }

    /**
     * The status HAProxy's stats page gives each server of {@code backend} ({@code UP}, {@code DOWN},
     * {@code UP 1/2}, {@code NOLB}, {@code MAINT}, ...), by server name.
     */
    public Map<String, String> serverStates(String backend) throws IOException, InterruptedException {
        Map<String, String> states = new LinkedHashMap<>();
        stats(backend).forEach((server, columns) -> states.put(server, columns.get("status")));
        return states;
    }

    /**
     * The stats page's row of each server of {@code backend}, by server name, each a map from the
     * CSV column ({@code status}, {@code scur} current sessions, {@code stot} total sessions, ...)
     * to its value.
     */
    public Map<String, Map<String, String>> stats(String backend) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port("stats") + "/stats;csv")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("stats page answered " + response.statusCode());
        }
        List<String> lines = response.body().lines().toList();
        String[] header = lines.get(0).replaceFirst("^#\\s*", "").split(",", -1);
        Map<String, Map<String, String>> rows = new LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] fields = line.split(",", -1);
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < Math.min(header.length, fields.length); i++) {
                row.put(header[i], fields[i]);
            }
            String server = row.getOrDefault("svname", "");
            if (backend.equals(row.get("pxname")) && !server.equals("BACKEND") && !server.equals("FRONTEND")) {
                rows.put(server, row);
            }
        }
        return rows;
    }

    /** The configuration HAProxy runs. */
    public Path config() {
        return config;
    }

    /** Its output (the traffic log and its own messages). */
    public Path log() {
        return log;
    }

    /** Its admin socket (the runtime API: {@code show servers state}, {@code set server ... state drain}). */
    public Path socket() {
        return socket;
    }

    /** Kills HAProxy and waits for it to be gone. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static List<String> difference(Set<String> all, Set<String> found) {
        List<String> missing = new ArrayList<>(all);
        missing.removeAll(found);
        return missing;
    }
}
