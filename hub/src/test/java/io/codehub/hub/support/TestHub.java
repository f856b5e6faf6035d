package io.codehub.hub.support;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import io.codehub.hub.HubApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpHeaders;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * A real hub in the test's JVM, as the integration tests start it: API on a free loopback port,
 * its embedded database under {@code dataDir}, the admin token given, bcrypt at its cheapest cost;
 * tunnel port and gateway on free loopback ports ({@code config/application.yaml} of the tests).
 * The settings are passed as command-line arguments, the only source that wins over the hub's
 * {@code application.yaml} ({@code server.port} 8080); those a test gives win over these defaults.
 */
public final class TestHub {

    private TestHub() {
    }

    /**
     * Starts a hub with the defaults above and {@code settings}, given as property name, value,
     * name, value, ...
     */
    public static ConfigurableApplicationContext start(Path dataDir, String adminToken, String... settings) {
        return start(new Class<?>[0], dataDir, adminToken, settings);
    }

    /**
     * As {@link #start(Path, String, String...)}, with {@code sources} (test configurations such as
     * {@link InMemoryAgentsConfiguration}) beside the hub's own.
     */
    public static ConfigurableApplicationContext start(Class<?>[] sources, Path dataDir, String adminToken,
            String... settings) {
        if (settings.length % 2 != 0) {
            throw new IllegalArgumentException("settings: " + settings.length + " strings (expected name, value pairs)");
        }
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("server.port", "0");
        properties.put("codehub.hub.data-dir", dataDir.toString());
        properties.put("codehub.admin.token", adminToken);
        properties.put("codehub.hub.api-keys.bcrypt-cost", "4");
        for (int i = 0; i < settings.length; i += 2) {
            properties.put(settings[i], settings[i + 1]);
        }
        Class<?>[] all = new Class<?>[sources.length + 1];
        all[0] = HubApplication.class;
        System.arraycopy(sources, 0, all, 1, sources.length);
        return new SpringApplicationBuilder(all)
                .run(properties.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new));
    }

    /** The hub's API base URL, {@code http://127.0.0.1:<port>}. */
    public static String baseUrl(ConfigurableApplicationContext hub) {
        return "http://127.0.0.1:" + hub.getEnvironment().getProperty("local.server.port");
    }

    /** A client of the hub's API that sends {@code adminToken}. */
    public static WebTestClient adminClient(ConfigurableApplicationContext hub, String adminToken) {
        return TestHttp.to(baseUrl(hub)).responseTimeout(Duration.ofSeconds(30))
                .defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + adminToken).build();
    }
}
