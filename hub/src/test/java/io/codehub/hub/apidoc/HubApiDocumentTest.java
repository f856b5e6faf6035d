package io.codehub.hub.apidoc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import io.codehub.hub.HubApplication;
import io.codehub.hub.support.TestHttp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.yaml.snakeyaml.Yaml;

/**
 * The Hub API document the hub serves is the one committed as {@code docs/hub-api.yaml}: the file
 * the build lints (Redocly CLI, {@code bin/lint-api}) and generates the api-clients module's client
 * from. A change to the API shows here first: review {@code diff docs/hub-api.yaml
 * hub/target/hub-api.yaml}, and copy the served document over the committed one when the change is
 * meant.
 */
@SpringBootTest(classes = HubApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class HubApiDocumentTest {

    static final Path COMMITTED = Path.of("..", "docs", "hub-api.yaml");
    static final Path SERVED = Path.of("target", "hub-api.yaml");

    @TempDir
    static Path dataDir;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("codehub.hub.data-dir", () -> dataDir.toString());
        registry.add("codehub.admin.token", () -> "api-document-admin-token-0123456789");
        registry.add("codehub.hub.health.interval", () -> "1h");
    }

    @LocalServerPort
    int port;

    @Test
    void theHubServesTheCommittedDocument() throws IOException {
        String served = TestHttp.to("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(30)).build()
                .get().uri("/v3/api-docs.yaml").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(served).isNotBlank();
        Files.writeString(SERVED, served);
        Object servedTree = new Yaml().load(served);
        Object committedTree = new Yaml().load(Files.readString(COMMITTED));
        assertThat(servedTree)
                .withFailMessage("the hub serves a Hub API document other than docs/hub-api.yaml: review `diff "
                        + "docs/hub-api.yaml hub/target/hub-api.yaml` and, if the change is meant, copy the served one "
                        + "over the committed one (it is the API's contract: the build lints it and generates a client "
                        + "from it)")
                .isEqualTo(committedTree);
    }
}
