package io.codehub.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import io.codehub.hub.db.DatabaseTarget;
import io.codehub.hub.support.InMemoryAgentsConfiguration;
import io.codehub.hub.support.LoopbackProxy;
import io.codehub.hub.support.TestDatabase;
import io.codehub.hub.support.TestHttp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The hub on PostgreSQL through a loopback proxy that the test cuts: while the database cannot be
 * reached the API answers 503 {@code database-unavailable}, and once it is back the hub serves
 * again without a restart.
 */
@SpringBootTest(classes = {HubApplication.class, InMemoryAgentsConfiguration.class},
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DatabaseOutageIT {

    static final String ADMIN_TOKEN = "outage-admin-token-0123456789";
    static final String SCHEMA = "hub_outage_" + HexFormat.of().formatHex(random());
    static final LoopbackProxy PROXY = proxy();

    @TempDir
    static Path dataDir;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("codehub.hub.data-dir", () -> dataDir.toString());
        registry.add("codehub.admin.token", () -> ADMIN_TOKEN);
        registry.add("codehub.hub.api-keys.bcrypt-cost", () -> "4");
        registry.add("codehub.database.url",
                () -> "postgresql://postgres@127.0.0.1:" + PROXY.port() + "/test?schema=" + SCHEMA);
        registry.add("codehub.database.acquire-timeout", () -> "2s");
    }

    @LocalServerPort
    int port;

    @AfterAll
    static void cleanUp() throws Exception {
        PROXY.close();
        DatabaseTarget target = DatabaseTarget.of(TestDatabase.postgresUrl(SCHEMA), Path.of("."));
        try (Connection connection = DriverManager.getConnection(target.jdbcUrl(), target.user(), target.password());
                Statement statement = connection.createStatement()) {
            statement.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
        }
    }

    @Test
    void answers503WhileTheDatabaseIsDownAndRecoversWithoutARestart() throws Exception {
        WebTestClient http = TestHttp.to("http://127.0.0.1:" + port)
                .responseTimeout(Duration.ofSeconds(30))
                .defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + ADMIN_TOKEN).build();
        http.post().uri("/api/v1/agents").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("name", "a", "endpoint", "http://127.0.0.1:9", "type", "docker", "capacity", 1))
                .exchange().expectStatus().isCreated();

        PROXY.cut();
        long started = System.nanoTime();
        http.get().uri("/api/v1/agents").exchange().expectStatus().isEqualTo(503)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.type").isEqualTo("urn:codehub:problem:database-unavailable");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));

        PROXY.restore();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                http.get().uri("/api/v1/agents").exchange().expectStatus().isOk()
                        .expectBody().jsonPath("$.items.length()").isEqualTo(1));
    }

    private static LoopbackProxy proxy() {
        try {
            return new LoopbackProxy(5432);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] random() {
        byte[] bytes = new byte[6];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }
}
