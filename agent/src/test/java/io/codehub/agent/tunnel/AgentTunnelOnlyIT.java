package io.codehub.agent.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Instant;

import io.codehub.agent.AgentApplication;
import io.codehub.agent.TestHubKeys;
import io.codehub.web.ConfigurationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.server.reactive.ConfigurableReactiveWebServerFactory;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code CODEHUB_AGENT_LISTEN=none}: the Agent API is served over the tunnel only; the web server
 * Boot insists on starting binds an ephemeral loopback port.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class AgentTunnelOnlyIT {

    static final String AGENT_ID = "agent-tn-only";
    static final String API_KEY = "chk_" + AGENT_ID + "_" + "s".repeat(43);
    static final TestHubKeys KEYS = TestHubKeys.generate();
    static final FakeHub HUB = new FakeHub(AGENT_ID, API_KEY);

    @TempDir
    static Path dir;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("codehub.agent.id", () -> AGENT_ID);
        registry.add("codehub.agent.hub-public-key", () -> KEYS.writePublicKey(dir).toString());
        registry.add("codehub.agent.archive-dir", () -> dir.resolve("archives").toString());
        registry.add("codehub.agent.listen", () -> "none");
        registry.add("codehub.agent.hub-url", HUB::url);
        registry.add("codehub.agent.api-key", () -> API_KEY);
    }

    @Autowired
    @Qualifier("listenAddress")
    WebServerFactoryCustomizer<ConfigurableReactiveWebServerFactory> listenAddress;

    @AfterAll
    static void stopHub() throws Exception {
        HUB.close();
    }

    @Test
    void servesTheAgentApiOverTheTunnelAndListensOnLoopbackOnly() throws Exception {
        FakeHub.Reply health = HUB.send("GET", "/health",
                "Bearer " + KEYS.token(AGENT_ID, Instant.now().plusSeconds(60)), null, null, false);
        assertThat(health.status()).as("%s", health).isEqualTo(200);
        assertThat(health.json().get("runtime").asString()).isEqualTo("docker");

        NettyReactiveWebServerFactory factory = new NettyReactiveWebServerFactory(8081);
        listenAddress.customize(factory);
        assertThat(factory.getAddress()).isEqualTo(InetAddress.getLoopbackAddress());
        assertThat(factory.getPort()).isZero();
    }

    @Test
    void listenNoneWithoutAHubIsRefusedAtStartUp() {
        assertThatThrownBy(() -> new SpringApplicationBuilder(AgentApplication.class)
                .web(WebApplicationType.REACTIVE)
                .properties("codehub.agent.id=agent-x", "codehub.agent.listen=none",
                        "codehub.agent.hub-public-key=" + KEYS.writePublicKey(dir),
                        "codehub.agent.archive-dir=" + dir.resolve("archives-x"))
                .run().close())
                .satisfies(failure -> {
                    Throwable root = NestedExceptionUtils.getMostSpecificCause(failure);
                    assertThat(root).isInstanceOf(ConfigurationException.class);
                    assertThat(root.getMessage()).isEqualTo("CODEHUB_AGENT_LISTEN: 'none' without CODEHUB_AGENT_HUB_URL");
                });
    }
}
