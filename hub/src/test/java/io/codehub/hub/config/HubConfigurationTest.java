package io.codehub.hub.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

import io.codehub.hub.HubApplication;
import io.codehub.web.ConfigurationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** A bad setting stops start-up with a report that names the environment variable and the fix. */
@ExtendWith(OutputCaptureExtension.class)
class HubConfigurationTest {

    @TempDir
    Path dir;

    private void start(String... properties) {
        new SpringApplicationBuilder(HubApplication.class).web(WebApplicationType.NONE)
                .properties("codehub.hub.data-dir=" + dir, "codehub.admin.token=a-valid-admin-token-123")
                .properties(properties).run().close();
    }

    @Test
    void aNonPositiveIntervalNamesItsVariable(CapturedOutput output) {
        assertThatThrownBy(() -> start("codehub.hub.health.interval=0s")).isNotNull();
        assertThat(output).contains("Invalid configuration: CODEHUB_HUB_HEALTH_INTERVAL: PT0S")
                .contains("Set CODEHUB_HUB_HEALTH_INTERVAL to a positive duration");
    }

    @Test
    void aLongestRetryDelayShorterThanTheFirstIsRefused() {
        assertThatThrownBy(() -> new HubProperties.Remote(Duration.ofSeconds(30), Duration.ofSeconds(5), 3,
                Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofMinutes(1)))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("CODEHUB_HUB_REMOTE_RETRY_MAX_BACKOFF: PT5S is shorter than CODEHUB_HUB_REMOTE_RETRY_BACKOFF PT10S")
                .satisfies(e -> assertThat(((ConfigurationException) e).action())
                        .isEqualTo("Make CODEHUB_HUB_REMOTE_RETRY_MAX_BACKOFF at least CODEHUB_HUB_REMOTE_RETRY_BACKOFF."));
        assertThatThrownBy(() -> new HubProperties.Reconciler(Duration.ofSeconds(2), Duration.ofSeconds(1), 5,
                Duration.ofMinutes(2), Duration.ofMinutes(1), 4, 200))
                .hasMessage("CODEHUB_HUB_RECONCILER_RETRY_MAX_BACKOFF: PT1M is shorter than "
                        + "CODEHUB_HUB_RECONCILER_RETRY_BACKOFF PT2M");
    }

    @Test
    void aBadDatabaseUrlNamesItsVariableAndTheFix(CapturedOutput output) {
        assertThatThrownBy(() -> start("codehub.database.url=mysql://root@localhost/db")).isNotNull();
        assertThat(output).contains("Invalid configuration: CODEHUB_DATABASE_URL: scheme 'mysql'")
                .contains("Use postgresql://user[:password]@host:port/database");
    }

    @Test
    void aShortAdminTokenIsRefused(CapturedOutput output) {
        assertThatThrownBy(() -> start("codehub.admin.token=short")).isNotNull();
        assertThat(output).contains("CODEHUB_ADMIN_TOKEN: the token has 5 characters");
    }

    @Test
    void anUnreachableDatabaseSaysSo(CapturedOutput output) {
        assertThatThrownBy(() -> start("codehub.database.url=postgresql://nobody@127.0.0.1:1/none")).isNotNull();
        assertThat(output).contains("CODEHUB_DATABASE_URL: cannot migrate the PostgreSQL database none at 127.0.0.1:1")
                .contains("Check that the database is running");
    }

    @Test
    void aBadTunnelPortNamesItsVariable(CapturedOutput output) {
        // an argument: the test classpath's config/application.yaml outranks default properties
        assertThatThrownBy(() -> new SpringApplicationBuilder(HubApplication.class).web(WebApplicationType.NONE)
                .properties("codehub.hub.data-dir=" + dir, "codehub.admin.token=a-valid-admin-token-123")
                .run("--codehub.hub.tunnel.port=70000").close()).isNotNull();
        assertThat(output).contains("CODEHUB_HUB_TUNNEL_PORT: 70000 (expected: 0..65535)");
    }

    @Test
    void manyHubsOnTheEmbeddedDatabaseAreRefusedWithTheFix(CapturedOutput output) {
        assertThatThrownBy(() -> start("codehub.hub.internal-url=http://127.0.0.1:8444")).isNotNull();
        assertThat(output).contains("CODEHUB_DATABASE_URL: many hubs (CODEHUB_HUB_INTERNAL_URL is set) need PostgreSQL")
                .contains("or unset CODEHUB_HUB_INTERNAL_URL to run a single hub");
    }

    @Test
    void clusterSettingsAreCheckedAndNameTheirVariables() {
        assertThatThrownBy(() -> cluster("hub-1", "https://10.0.0.1:8444", Duration.ofSeconds(10), Duration.ofSeconds(2)))
                .hasMessageContaining("CODEHUB_HUB_INTERNAL_URL").hasMessageContaining("plaintext HTTP/2 only");
        assertThatThrownBy(() -> cluster("hub-1", "http://10.0.0.1", Duration.ofSeconds(10), Duration.ofSeconds(2)))
                .hasMessage("CODEHUB_HUB_INTERNAL_URL: 'http://10.0.0.1' is not http://host:port");
        assertThatThrownBy(() -> cluster("hub 1", "http://10.0.0.1:8444", Duration.ofSeconds(10), Duration.ofSeconds(2)))
                .hasMessage("CODEHUB_HUB_ID: 'hub 1' is not a hub id");
        assertThatThrownBy(() -> cluster("hub-1", "http://10.0.0.1:8444", Duration.ofSeconds(10), Duration.ofSeconds(4)))
                .hasMessageStartingWith("CODEHUB_HUB_LEASE_RENEW_INTERVAL: PT4S is more than a third of "
                        + "CODEHUB_HUB_LEASE_TTL PT10S");
        ClusterProperties valid = cluster("hub-1", "http://10.0.0.1:8444", Duration.ofSeconds(10),
                Duration.ofSeconds(2));
        assertThat(valid.enabled()).isTrue();
        assertThat(valid.idOrHostName()).isEqualTo("hub-1");
        assertThat(new ClusterProperties(null, null, 8444, "0.0.0.0", Duration.ofSeconds(10), Duration.ofSeconds(2),
                Duration.ZERO)
                .enabled()).as("a single hub").isFalse();
    }

    private static ClusterProperties cluster(String id, String url, Duration ttl, Duration renew) {
        return new ClusterProperties(id, URI.create(url), 8444, "0.0.0.0", ttl, renew, Duration.ofSeconds(5));
    }
}
