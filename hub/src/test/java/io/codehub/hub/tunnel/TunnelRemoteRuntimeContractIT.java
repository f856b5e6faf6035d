package io.codehub.hub.tunnel;

import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.codehub.hub.agents.ApiKeys;
import io.codehub.hub.identity.HubIdentity;
import io.codehub.hub.identity.HubKeyStore;
import io.codehub.hub.remote.HubTokenIssuer;
import io.codehub.hub.remote.RemoteCallPolicy;
import io.codehub.hub.remote.RemoteRuntimes;
import io.codehub.hub.support.AgentProcess;
import io.codehub.hub.support.TestFiles;
import io.codehub.runtime.Runtime;
import io.codehub.runtime.contract.DockerBackedRuntimeContract;
import io.codehub.runtime.contract.DockerCli;
import io.codehub.tunnel.AuthDecision;
import io.codehub.tunnel.TunnelServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.springframework.http.codec.json.JacksonJsonDecoder;
import org.springframework.http.codec.json.JacksonJsonEncoder;
import org.springframework.web.reactive.function.client.WebClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Runtime contract through RemoteRuntime over the tunnel: a tunnel server on 127.0.0.1, a real
 * agent process that dials it ({@code CODEHUB_AGENT_HUB_URL}, {@code CODEHUB_AGENT_API_KEY}) and a
 * real dockerd. Every call is a stream of the agent's session, so a pass means the hub cannot tell
 * a tunnelled agent from a direct one.
 */
class TunnelRemoteRuntimeContractIT extends DockerBackedRuntimeContract {

    private static final String PREFIX = "htct-";

    private static Path dir;
    private static TunnelServer server;
    private static AgentProcess agent;
    private static Runtime runtime;

    @BeforeAll
    static void startAgent() throws Exception {
        DockerCli.removeWorkspaces(PREFIX);
        dir = Files.createTempDirectory("tunnel-contract");
        HubIdentity hub = HubKeyStore.loadOrCreate(Files.createDirectories(dir.resolve("hub")));
        String agentId = UUID.randomUUID().toString();
        String apiKey = new ApiKeys(4).issue(agentId).key();
        server = TunnelServer.builder()
                .bindAddress(new InetSocketAddress("127.0.0.1", 0))
                .hubId(hub.hubId())
                .ioThreads(1)
                .authenticator(request -> CompletableFuture.completedFuture(apiKey.equals(request.apiKey())
                        ? AuthDecision.accept(agentId, null)
                        : AuthDecision.reject(401, "wrong key", null)))
                .build();
        InetSocketAddress tunnel = server.start().get(10, TimeUnit.SECONDS);
        agent = AgentProcess.start(agentId, AgentProcess.freePort(), hub.publicKeyPem(), dir.resolve("agent"),
                Map.of("CODEHUB_AGENT_HUB_URL", "tcp://127.0.0.1:" + tunnel.getPort(), "CODEHUB_AGENT_API_KEY", apiKey));
        await().atMost(Duration.ofSeconds(60)).until(() -> server.session(agentId).isPresent());
        JsonMapper json = JsonMapper.builder().build();
        WebClient.Builder clients = WebClient.builder().codecs(c -> {
            c.defaultCodecs().jacksonJsonDecoder(new JacksonJsonDecoder(json));
            c.defaultCodecs().jacksonJsonEncoder(new JacksonJsonEncoder(json));
        });
        runtime = new RemoteRuntimes(clients, new TunnelAgentConnectors(server::session),
                new HubTokenIssuer(hub, Duration.ofMinutes(5), Duration.ofMinutes(1), Clock.systemUTC()),
                new RemoteCallPolicy(Duration.ofSeconds(30), 3, Duration.ofMillis(200), Duration.ofSeconds(2)))
                .runtime(agentId, URI.create("tunnel://" + agentId));
    }

    @AfterAll
    static void stopAgent() throws Exception {
        try {
            if (agent != null) {
                agent.close();
            }
            if (server != null) {
                server.close().get(10, TimeUnit.SECONDS);
            }
        } finally {
            DockerCli.removeWorkspaces(PREFIX);
            TestFiles.deleteRecursively(dir);
        }
    }

    @Override
    protected Runtime runtime() {
        return runtime;
    }

    @Override
    protected String workspacePrefix() {
        return PREFIX;
    }
}
