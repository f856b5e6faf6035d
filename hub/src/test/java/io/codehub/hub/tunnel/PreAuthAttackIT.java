package io.codehub.hub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import com.sun.management.OperatingSystemMXBean;
import io.codehub.hub.HubApplication;
import io.codehub.hub.support.RawHttp;
import io.codehub.hub.support.SlowClients;
import io.codehub.hub.support.TestFiles;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The tunnel port attacked before authentication, on a real hub in this JVM (loopback only, every
 * attack bounded in count and time, every socket closed): slowloris on the upgrade request, a
 * stalled TLS ClientHello, header bombs, floods of wrong keys from one and from many source
 * addresses (127.0.0.x), bcrypt's CPU under a flood of well-formed wrong keys for a registered
 * agent, and the per-address cap on connections still in their handshake. Legitimate agents
 * (resumption tickets, as reconnecting agents present them) are timed beside each attack.
 * Each figure is printed as {@code ATTACK <name>: <figure>}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class PreAuthAttackIT {

    private static final String ADMIN_TOKEN = "preauth-attack-admin-token-0123456789";
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(3);
    private static final int FAILED_AUTH_BURST = 10;
    private static final Duration FAILED_AUTH_REFILL = Duration.ofSeconds(6);
    private static final int MAX_HANDSHAKES_PER_ADDRESS = 128;
    private static final int KEY_CHECK_THREADS = 1;
    private static final int KEY_CHECK_QUEUE = 8;
    private static final InetAddress LEGIT = RawHttp.loopback(1);
    private static final Duration IO = Duration.ofSeconds(15);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static Path dir;
    private static ConfigurableApplicationContext hub;
    private static int tunnelPort;
    private static String agentId;
    private static String apiKey;
    private static final AtomicReference<String> ticket = new AtomicReference<>();

    @BeforeAll
    static void startHub() throws Exception {
        dir = Files.createTempDirectory("preauth-attack-it");
        hub = startHub(dir.resolve("hub"), Map.of());
        tunnelPort = hub.getBean(TunnelPort.class).localAddress().getPort();
        String base = "http://127.0.0.1:" + hub.getEnvironment().getProperty("local.server.port");
        HttpResponse<String> registered = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(base + "/api/v1/agents"))
                .header("Authorization", "Bearer " + ADMIN_TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"name\":\"attacked\",\"endpoint\":\"tunnel://\",\"type\":\"docker\",\"capacity\":2}"))
                .timeout(IO).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
        JsonNode body = JSON.readTree(registered.body());
        agentId = body.get("agent").get("id").asString();
        apiKey = body.get("apiKey").asString();
        RawHttp.Answer first = RawHttp.exchange(LEGIT, tunnelPort, upgrade("Authorization: Bearer " + apiKey), IO);
        assertThat(first.status()).as(first.body()).isEqualTo(101);
        ticket.set(first.header("Codehub-Resumption-Ticket"));
        assertThat(ticket.get()).isNotBlank();
    }

    static ConfigurableApplicationContext startHub(Path data, Map<String, String> extra) {
        Map<String, Object> properties = new HashMap<>();
        properties.put("server.port", "0");
        properties.put("server.address", "127.0.0.1");
        properties.put("codehub.hub.data-dir", data.toString());
        properties.put("codehub.admin.token", ADMIN_TOKEN);
        properties.put("codehub.hub.tunnel.port", "0");
        properties.put("codehub.hub.tunnel.address", "127.0.0.1");
        properties.put("codehub.hub.tunnel.handshake-timeout", HANDSHAKE_TIMEOUT.toSeconds() + "s");
        properties.put("codehub.hub.tunnel.failed-auth-burst", Integer.toString(FAILED_AUTH_BURST));
        properties.put("codehub.hub.tunnel.failed-auth-refill", FAILED_AUTH_REFILL.toSeconds() + "s");
        // bcrypt as expensive as operators may make it (the default, 4, is cheap): the budget must hold anyway.
        properties.put("codehub.hub.api-keys.bcrypt-cost", "10");
        properties.put("codehub.hub.tunnel.key-check-threads", Integer.toString(KEY_CHECK_THREADS));
        properties.put("codehub.hub.tunnel.key-check-queue", Integer.toString(KEY_CHECK_QUEUE));
        properties.put("codehub.hub.gateway.enabled", "false");
        properties.putAll(extra);
        return new SpringApplicationBuilder(HubApplication.class)
                .run(properties.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new));
    }

    @AfterAll
    static void stopHub() {
        try {
            if (hub != null) {
                hub.close();
            }
        } finally {
            TestFiles.deleteRecursively(dir);
        }
    }

    @Test
    @Order(1)
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void slowlorisSocketsAreClosedAtTheHandshakeTimeoutAndAgentsStillConnect() throws Exception {
        Duration baseline = p99(legitHandshakes(40));
        int addresses = 20;
        int perAddress = 50;
        try (SlowClients slow = new SlowClients()) {
            slow.open(addresses * perAddress, i -> RawHttp.loopback(2 + i % addresses), tunnelPort,
                    "GET /v1/tunnel HTTP/1.1\r\nHost: hub\r\nX-Slow: ");
            ExecutorService trickle = Executors.newSingleThreadExecutor(r -> new Thread(r, "attack-slowloris"));
            try {
                Future<?> running = trickle.submit(() -> {
                    slow.run(HANDSHAKE_TIMEOUT.plusSeconds(15), Duration.ofSeconds(1), 'a');
                    return null;
                });
                long openDuring = slow.openCount();
                Duration during = p99(legitHandshakes(40));
                running.get(HANDSHAKE_TIMEOUT.toSeconds() + 30, TimeUnit.SECONDS);

                List<Duration> lifetimes = new ArrayList<>();
                int answered408 = 0;
                for (SlowClients.Client client : slow.clients()) {
                    assertThat(client.lifetime()).as("every slowloris socket is closed").isNotNull();
                    lifetimes.add(client.lifetime());
                    if (client.received().startsWith("HTTP/1.1 408")) {
                        answered408++;
                    }
                }
                Collections.sort(lifetimes);
                Duration longest = lifetimes.get(lifetimes.size() - 1);
                System.out.println("ATTACK slowloris sockets: " + slow.clients().size() + " from " + addresses
                        + " addresses, " + openDuring + " open while agents connected");
                System.out.println("ATTACK slowloris closed after: min " + lifetimes.get(0).toMillis() + " ms, max "
                        + longest.toMillis() + " ms (handshake timeout " + HANDSHAKE_TIMEOUT.toMillis() + " ms), "
                        + answered408 + " answered 408");
                System.out.println("ATTACK slowloris agent handshake p99: baseline " + baseline.toMillis()
                        + " ms, during " + during.toMillis() + " ms");
                assertThat(openDuring).as("the slowloris held its sockets while agents connected")
                        .isGreaterThan(addresses * perAddress * 9L / 10);
                assertThat(lifetimes.get(0)).isGreaterThanOrEqualTo(HANDSHAKE_TIMEOUT.minusMillis(500));
                assertThat(longest).isLessThanOrEqualTo(HANDSHAKE_TIMEOUT.plusSeconds(2));
                assertThat(answered408).isEqualTo(slow.clients().size());
                assertThat(during).isLessThanOrEqualTo(baseline.multipliedBy(3).plusMillis(250));
            } finally {
                trickle.shutdownNow();
                assertThat(trickle.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            }
        }
    }

    @Test
    @Order(2)
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aStalledTlsClientHelloIsClosedAtTheHandshakeTimeout() throws Exception {
        SelfSignedCertificate certificate = SelfSignedCertificate.builder().fqdn("localhost").build();
        ConfigurableApplicationContext tlsHub = null;
        try {
            tlsHub = startHub(dir.resolve("tls-hub"), Map.of(
                    "codehub.hub.tunnel.tls-cert", certificate.certificate().toString(),
                    "codehub.hub.tunnel.tls-key", certificate.privateKey().toString()));
            int port = tlsHub.getBean(TunnelPort.class).localAddress().getPort();
            // A TLS 1.2 record header announcing a 512-byte ClientHello, then 4 bytes of it, then nothing.
            String partialHello = new String(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc},
                    StandardCharsets.ISO_8859_1);
            try (SlowClients stalled = new SlowClients()) {
                stalled.open(20, i -> RawHttp.loopback(30), port, "");
                stalled.open(20, i -> RawHttp.loopback(31), port, partialHello);
                stalled.run(HANDSHAKE_TIMEOUT.plusSeconds(15), Duration.ofSeconds(1), (char) 0);
                List<Duration> lifetimes = new ArrayList<>();
                for (SlowClients.Client client : stalled.clients()) {
                    assertThat(client.lifetime()).as("every stalled TLS socket is closed").isNotNull();
                    lifetimes.add(client.lifetime());
                }
                Collections.sort(lifetimes);
                Duration longest = lifetimes.get(lifetimes.size() - 1);
                System.out.println("ATTACK stalled TLS ClientHello closed after: min " + lifetimes.get(0).toMillis()
                        + " ms, max " + longest.toMillis() + " ms (40 sockets, handshake timeout "
                        + HANDSHAKE_TIMEOUT.toMillis() + " ms)");
                assertThat(lifetimes.get(0)).isGreaterThanOrEqualTo(HANDSHAKE_TIMEOUT.minusMillis(500));
                assertThat(longest).isLessThanOrEqualTo(HANDSHAKE_TIMEOUT.plusSeconds(2));
            }
        } finally {
            if (tlsHub != null) {
                tlsHub.close();
            }
            certificate.delete();
        }
    }

    @Test
    @Order(3)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void headerBombsAreRefusedWith431AndClosed() throws Exception {
        Map<String, String> bombs = new LinkedHashMap<>();
        bombs.put("one 16 KiB header", upgrade("Authorization: Bearer " + apiKey, "X-Bomb: " + "a".repeat(16 * 1024)));
        bombs.put("one 1 MiB header", upgrade("Authorization: Bearer " + apiKey, "X-Bomb: " + "a".repeat(1 << 20)));
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            many.add("X-H" + i + ": v");
        }
        bombs.put("2,000 small headers", upgrade(many.toArray(String[]::new)));
        for (Map.Entry<String, String> bomb : bombs.entrySet()) {
            RawHttp.Answer answer = RawHttp.exchange(RawHttp.loopback(40), tunnelPort, bomb.getValue(), IO);
            System.out.println("ATTACK header bomb, " + bomb.getKey() + ": " + answer.status() + " in "
                    + answer.headTime().toMillis() + " ms, closed " + answer.closed());
            assertThat(answer.status()).as(bomb.getKey()).isEqualTo(431);
            assertThat(answer.header("Content-Type")).isEqualTo("application/problem+json");
            assertThat(answer.body()).contains("tunnel-headers-too-large");
            assertThat(answer.closed()).as(bomb.getKey() + ": closed").isTrue();
        }
        assertThat(legitHandshake()).isNotNull();
    }

    @Test
    @Order(4)
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void thousandsOfWrongKeysFromOneAddressMeetTheFailedAuthBudget() throws Exception {
        long checksBefore = hub.getBean(AgentTunnelAuthenticator.class).keyChecks();
        Map<Integer, Integer> statuses = new HashMap<>();
        long started = System.nanoTime();
        String wrong = "Authorization: Bearer chk_" + agentId + "_" + "A".repeat(43);
        for (int i = 0; i < 2_000; i++) {
            RawHttp.Answer answer = RawHttp.exchange(RawHttp.loopback(50), tunnelPort, upgrade(wrong), IO);
            statuses.merge(answer.status(), 1, Integer::sum);
            if (answer.status() == 429) {
                assertThat(Long.parseLong(answer.header("Retry-After"))).isBetween(1L, FAILED_AUTH_REFILL.toSeconds());
                assertThat(answer.body()).contains("tunnel-rate-limited");
            }
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
        long checks = hub.getBean(AgentTunnelAuthenticator.class).keyChecks() - checksBefore;
        long allowed = FAILED_AUTH_BURST + elapsed.toMillis() / FAILED_AUTH_REFILL.toMillis() + 1;
        System.out.println("ATTACK wrong keys from one address: 2000 in " + elapsed.toMillis() + " ms -> " + statuses
                + ", bcrypt checks " + checks + " (budget allows " + allowed + ")");
        assertThat(statuses.getOrDefault(401, 0)).isBetween(FAILED_AUTH_BURST, (int) allowed);
        assertThat(statuses.getOrDefault(429, 0)).isGreaterThanOrEqualTo(2_000 - (int) allowed);
        assertThat(checks).isLessThanOrEqualTo(allowed);
        assertThat(legitHandshake()).as("the agent itself still connects").isNotNull();
    }

    @Test
    @Order(5)
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void thousandsOfWrongKeysFromManyAddressesMeetEachAddresssBudget() throws Exception {
        int addresses = 50;
        int perAddress = 40;
        Map<Integer, Integer> statuses = new HashMap<>();
        Map<Integer, Integer> unauthorizedBySource = new HashMap<>();
        long started = System.nanoTime();
        // Keys of agents that do not exist: refused without bcrypt, so the per-address budget is the only limit.
        for (int round = 0; round < perAddress; round++) {
            for (int a = 0; a < addresses; a++) {
                int source = 180 + a;
                RawHttp.Answer answer = RawHttp.exchange(RawHttp.loopback(source), tunnelPort,
                        upgrade("Authorization: Bearer chk_nobody-" + a + "_" + "C".repeat(43)), IO);
                statuses.merge(answer.status(), 1, Integer::sum);
                if (answer.status() == 401) {
                    unauthorizedBySource.merge(source, 1, Integer::sum);
                } else {
                    assertThat(answer.status()).isEqualTo(429);
                    assertThat(answer.header("Retry-After")).isNotNull();
                }
            }
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
        long allowed = FAILED_AUTH_BURST + elapsed.toMillis() / FAILED_AUTH_REFILL.toMillis() + 1;
        int fewest = unauthorizedBySource.values().stream().mapToInt(Integer::intValue).min().orElse(0);
        int most = unauthorizedBySource.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        System.out.println("ATTACK wrong keys from " + addresses + " addresses x " + perAddress + ": "
                + addresses * perAddress + " in " + elapsed.toMillis() + " ms -> " + statuses + ", 401s per address "
                + fewest + " to " + most + " (budget " + allowed + ")");
        assertThat(unauthorizedBySource).hasSize(addresses);
        assertThat(fewest).isGreaterThanOrEqualTo(FAILED_AUTH_BURST);
        assertThat(most).isLessThanOrEqualTo((int) allowed);
        assertThat(legitHandshake()).as("the agent still connects").isNotNull();
    }

    @Test
    @Order(6)
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aFloodOfWrongKeysFromManyAddressesKeepsBcryptWithinItsThreadsAndAgentsConnect() throws Exception {
        Duration baseline = p99(legitHandshakes(40));
        int addresses = 200;
        // More callers at once than the key-check budget holds (threads + queue), so that it is full at
        // times however fast bcrypt runs here: with fewer, each caller waits its turn and none is refused.
        int workers = 4 * (KEY_CHECK_THREADS + KEY_CHECK_QUEUE);
        int maxAttempts = 4_000;
        Duration maxFlood = Duration.ofSeconds(25);
        String wrong = "Authorization: Bearer chk_" + agentId + "_" + "B".repeat(43);
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        Map<Integer, AtomicInteger> unauthorizedBySource = new ConcurrentHashMap<>();
        AtomicInteger attempts = new AtomicInteger();
        long checksBefore = hub.getBean(AgentTunnelAuthenticator.class).keyChecks();
        long bcryptCpuBefore = cpuOfThreads("codehub-key-hashing", TunnelKeyChecks.THREAD_PREFIX);
        long processCpuBefore = processCpu();
        long started = System.nanoTime();
        long deadline = started + maxFlood.toNanos();
        ExecutorService flood = Executors.newFixedThreadPool(workers, r -> new Thread(r, "attack-wrong-keys"));
        List<Duration> during;
        try {
            for (int w = 0; w < workers; w++) {
                flood.submit(() -> {
                    int n;
                    while (System.nanoTime() < deadline && (n = attempts.getAndIncrement()) < maxAttempts) {
                        int source = 60 + n % addresses;
                        try {
                            RawHttp.Answer answer = RawHttp.exchange(RawHttp.loopback(source), tunnelPort,
                                    upgrade(wrong), IO);
                            statuses.computeIfAbsent(answer.status(), s -> new AtomicInteger()).incrementAndGet();
                            if (answer.status() == 401) {
                                unauthorizedBySource.computeIfAbsent(source, s -> new AtomicInteger()).incrementAndGet();
                            }
                        } catch (IOException e) {
                            statuses.computeIfAbsent(-1, s -> new AtomicInteger()).incrementAndGet();
                        }
                    }
                    return null;
                });
            }
            during = legitHandshakes(40);
        } finally {
            flood.shutdown();
            assertThat(flood.awaitTermination(maxFlood.toSeconds() + 60, TimeUnit.SECONDS)).isTrue();
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
        double bcryptCores = (cpuOfThreads("codehub-key-hashing", TunnelKeyChecks.THREAD_PREFIX) - bcryptCpuBefore)
                / (double) elapsed.toNanos();
        double processCores = (processCpu() - processCpuBefore) / (double) elapsed.toNanos();
        long checks = hub.getBean(AgentTunnelAuthenticator.class).keyChecks() - checksBefore;
        int worstSource = unauthorizedBySource.values().stream().mapToInt(AtomicInteger::get).max().orElse(0);
        long allowedPerSource = FAILED_AUTH_BURST + elapsed.toMillis() / FAILED_AUTH_REFILL.toMillis() + 1;
        Duration duringP99 = p99(during);
        System.out.println("ATTACK wrong keys from " + addresses + " addresses: " + attempts.get() + " attempts in "
                + elapsed.toMillis() + " ms -> " + statuses + ", bcrypt checks " + checks
                + ", most 401s of one address " + worstSource + " (budget " + allowedPerSource + ")");
        System.out.printf("ATTACK bcrypt CPU under the flood: %.2f cores of key-check threads (cap %d), whole test "
                + "JVM (hub and attacker) %.2f cores of %d%n", bcryptCores, KEY_CHECK_THREADS, processCores,
                Runtime.getRuntime().availableProcessors());
        System.out.println("ATTACK agent ticket handshake p99 under the wrong-key flood: baseline " + baseline.toMillis()
                + " ms, during " + duringP99.toMillis() + " ms");
        assertThat(bcryptCores).isLessThanOrEqualTo(KEY_CHECK_THREADS + 0.25);
        assertThat(worstSource).isLessThanOrEqualTo((int) allowedPerSource);
        assertThat(statuses.getOrDefault(503, new AtomicInteger()).get()).as("the bcrypt budget was full at times")
                .isPositive();
        assertThat(during).as("every agent handshake succeeded").hasSize(40);
        assertThat(duringP99).isLessThanOrEqualTo(baseline.multipliedBy(3).plusMillis(250));
    }

    @Test
    @Order(7)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void oneAddressCannotHoldMoreThanItsShareOfHandshakes() throws Exception {
        try (SlowClients hog = new SlowClients(); SlowClients other = new SlowClients()) {
            hog.open(400, i -> RawHttp.loopback(70), tunnelPort, "");
            other.open(20, i -> RawHttp.loopback(71), tunnelPort, "");
            hog.run(Duration.ofSeconds(1), Duration.ofSeconds(1), (char) 0);
            other.run(Duration.ofMillis(200), Duration.ofSeconds(1), (char) 0);
            long held = hog.openCount();
            long refused = hog.clients().size() - held;
            Duration agent = legitHandshake();
            System.out.println("ATTACK one address opens 400 idle sockets: " + held + " held, " + refused
                    + " closed at accept (cap " + MAX_HANDSHAKES_PER_ADDRESS + "); another address holds "
                    + other.openCount() + " of 20; agent handshake " + agent.toMillis() + " ms");
            assertThat(held).isBetween((long) MAX_HANDSHAKES_PER_ADDRESS - 8, (long) MAX_HANDSHAKES_PER_ADDRESS);
            assertThat(hog.clients().stream().filter(c -> c.lifetime() != null)
                    .allMatch(c -> c.lifetime().compareTo(Duration.ofSeconds(1)) < 0 && c.received().isEmpty()))
                    .as("refused sockets are closed at once, unanswered").isTrue();
            assertThat(other.openCount()).isEqualTo(20);
        }
    }

    private static String upgrade(String... headers) {
        StringBuilder request = new StringBuilder("GET /v1/tunnel HTTP/1.1\r\nHost: hub\r\nConnection: Upgrade\r\n"
                + "Upgrade: codehub-tunnel/1\r\nCodehub-Agent-Version: attack-test\r\n");
        for (String header : headers) {
            request.append(header).append("\r\n");
        }
        return request.append("\r\n").toString();
    }

    /** One handshake of the registered agent with its resumption ticket: the time to its 101. */
    private static Duration legitHandshake() throws IOException {
        RawHttp.Answer answer = RawHttp.exchange(LEGIT, tunnelPort,
                upgrade("Codehub-Resumption-Ticket: " + ticket.get()), IO);
        assertThat(answer.status()).as(answer.body()).isEqualTo(101);
        ticket.set(answer.header("Codehub-Resumption-Ticket"));
        return answer.headTime();
    }

    private static List<Duration> legitHandshakes(int count) throws IOException {
        List<Duration> times = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            times.add(legitHandshake());
        }
        return times;
    }

    private static Duration p99(List<Duration> times) {
        List<Duration> sorted = new ArrayList<>(times);
        Collections.sort(sorted);
        return sorted.get((int) Math.ceil(sorted.size() * 0.99) - 1);
    }

    /** CPU nanoseconds used so far by the live threads whose names start with one of {@code prefixes}. */
    private static long cpuOfThreads(String... prefixes) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long total = 0;
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && Arrays.stream(prefixes).anyMatch(info.getThreadName()::startsWith)) {
                total += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
            }
        }
        return total;
    }

    private static long processCpu() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
