package io.codehub.hub.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.codehub.hub.support.Haproxy;
import io.codehub.hub.support.Haproxy.Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy/haproxy/haproxy.cfg} is valid ({@code haproxy -c}), and so is the test version
 * {@link Haproxy} makes of it, which differs only in addresses, health-check speed and the daemon
 * lines. haproxy comes with Debian's {@code haproxy} package, which {@code .ci/prepare-env}
 * installs (never starting its service); without it this test fails. {@link HaproxyIT} runs hubs
 * behind it.
 */
@Timeout(60)
class HaproxyConfigTest {

    private static final Map<String, Integer> PORTS = Map.of("tunnel", 17443, "api", 18080, "gateway", 18088,
            "stats", 18404);
    private static final Map<String, List<Server>> BACKENDS = Map.of(
            "tunnel_hubs", List.of(new Server("hub-1", 27443, 28080), new Server("hub-2", 37443, 38080)),
            "api_hubs", List.of(new Server("hub-1", 28080, 28080), new Server("hub-2", 38080, 38080)),
            "gateway_hubs", List.of(new Server("hub-1", 28088, 28080), new Server("hub-2", 38088, 38080)));

    @TempDir
    Path dir;

    @Test
    void theShippedConfigurationIsValid() throws Exception {
        assertThat(check(Haproxy.SHIPPED_CONFIG)).contains("Configuration file is valid");
    }

    @Test
    void theShippedConfigurationSaysWhatTheHubsNeed() throws Exception {
        String shipped = Files.readString(Haproxy.SHIPPED_CONFIG);
        String tunnel = section(shipped, "backend tunnel_hubs");
        assertThat(tunnel).contains("mode tcp", "balance leastconn", "on-marked-down shutdown-sessions",
                "uri /actuator/health/readiness", "http-check expect status 200", "check port 8080")
                .doesNotContain("send-proxy");
        for (String backend : List.of("backend api_hubs", "backend gateway_hubs")) {
            assertThat(section(shipped, backend)).contains("mode http", "option forwardfor", "timeout tunnel",
                    "uri /actuator/health/readiness", "http-check expect status 200",
                    // a request a hub closed unanswered goes to another hub, when idempotent (HaproxyRetryIT)
                    "retry-on conn-failure empty-response", "http-request disable-l7-retry if !METH_GET !METH_OPTIONS");
        }
        assertThat(section(shipped, "listen stats")).contains("bind 127.0.0.1:");
    }

    @Test
    void theTestConfigurationIsTheShippedOneWithTheTestsAddresses() throws Exception {
        String rendered = Haproxy.render(Files.readString(Haproxy.SHIPPED_CONFIG), PORTS, BACKENDS,
                dir.resolve("admin.sock"));
        String settings = rendered.lines().filter(line -> !line.strip().startsWith("#"))
                .reduce("", (all, line) -> all + line + "\n");
        assertThat(settings).doesNotContain("10.0.0.", "bind :", "chroot", "daemon", "/run/haproxy")
                .contains("bind 127.0.0.1:17443", "bind 127.0.0.1:18404",
                        "server hub-2 127.0.0.1:37443 check port 38080 " + Haproxy.TEST_CHECKS,
                        "server hub-1 127.0.0.1:28088 check port 28080 " + Haproxy.TEST_CHECKS);
        assertThat(section(rendered, "backend tunnel_hubs")).contains("balance leastconn",
                "on-marked-down shutdown-sessions");
        assertThat(check(Files.writeString(dir.resolve("haproxy.cfg"), rendered))).contains("Configuration file is valid");
    }

    @Test
    void withoutLayer7RetriesTheConfigurationRetriesConnectionFailuresOnly() throws Exception {
        String shipped = Files.readString(Haproxy.SHIPPED_CONFIG);
        String without = Haproxy.withoutLayer7Retries(shipped);
        assertThat(without).doesNotContain("retry-on", "disable-l7-retry").contains("retries 3", "option redispatch 1");
        assertThat(shipped.lines().count() - without.lines().count()).isEqualTo(4);
        String rendered = Haproxy.render(without, PORTS, BACKENDS, dir.resolve("admin.sock"));
        assertThat(check(Files.writeString(dir.resolve("haproxy.cfg"), rendered))).contains("Configuration file is valid");
        assertThatThrownBy(() -> Haproxy.withoutLayer7Retries(without)).hasMessageContaining("no layer-7 retries");
    }

    @Test
    void aFrontendTheTestDoesNotKnowStopsTheRendering() {
        String shipped = "frontend tunnel\n    bind :7443\nfrontend other\n    bind :9999\n";
        assertThatThrownBy(() -> Haproxy.render(shipped, Map.of("tunnel", 1), Map.of(), dir.resolve("s")))
                .hasMessageContaining("frontend other binds bind :9999");
        assertThatThrownBy(() -> Haproxy.render(shipped, Map.of("tunnel", 1, "other", 2, "api", 3), Map.of(),
                dir.resolve("s"))).hasMessageContaining("no bind line in [api]");
    }

    /** The lines of {@code header}'s section, up to the next section. */
    private static String section(String config, String header) {
        int start = config.indexOf("\n" + header + "\n");
        assertThat(start).as("section %s", header).isNotNegative();
        int end = config.length();
        for (String next : List.of("\nglobal", "\ndefaults", "\nfrontend ", "\nbackend ", "\nlisten ")) {
            int at = config.indexOf(next, start + header.length() + 1);
            if (at >= 0 && at < end) {
                end = at;
            }
        }
        return config.substring(start, end);
    }

    private static String check(Path config) throws IOException, InterruptedException {
        assertThat(Files.isExecutable(Haproxy.BINARY))
                .as("haproxy is missing: install Debian's haproxy package (.ci/prepare-env does)").isTrue();
        Process process = new ProcessBuilder(Haproxy.BINARY.toString(), "-c", "-f", config.toString())
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("haproxy -c -f " + config + ":\n" + output).isZero();
        assertThat(output).as("haproxy -c warnings").doesNotContain("[WARNING]");
        return output;
    }
}
