package io.codehub.hub.remote;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;

import io.codehub.hub.identity.HubIdentity;
import io.codehub.hub.identity.HubKeyStore;
import io.codehub.hub.support.AgentProcess;
import io.codehub.hub.support.TestFiles;
import io.codehub.runtime.Runtime;
import io.codehub.runtime.contract.DockerBackedRuntimeContract;
import io.codehub.runtime.contract.DockerCli;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.springframework.http.codec.json.JacksonJsonDecoder;
import org.springframework.http.codec.json.JacksonJsonEncoder;
import org.springframework.web.reactive.function.client.WebClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Runtime contract through RemoteRuntime over direct HTTP: the hub's client, a real agent
 * process (trusting a hub key made here) and a real dockerd. If RemoteRuntime behaves like the
 * Docker runtime it wraps, the hub cannot tell a remote backend from a local one.
 */
class RemoteRuntimeContractIT extends DockerBackedRuntimeContract {

    private static final String PREFIX = "hct-";

    private static Path dir;
    private static AgentProcess agent;
    private static DirectAgentConnectors connectors;
    private static RemoteRuntime runtime;

    @BeforeAll
    static void startAgent() throws Exception {
        DockerCli.removeWorkspaces(PREFIX);
        dir = Files.createTempDirectory("remote-contract");
        HubIdentity hub = HubKeyStore.loadOrCreate(Files.createDirectories(dir.resolve("hub")));
        agent = AgentProcess.start(UUID.randomUUID().toString(), hub.publicKeyPem(), dir.resolve("agent"));
        JsonMapper json = JsonMapper.builder().build();
        WebClient.Builder clients = WebClient.builder().codecs(c -> {
            c.defaultCodecs().jacksonJsonDecoder(new JacksonJsonDecoder(json));
            c.defaultCodecs().jacksonJsonEncoder(new JacksonJsonEncoder(json));
        });
        connectors = new DirectAgentConnectors(Duration.ofSeconds(5));
        runtime = (RemoteRuntime) new RemoteRuntimes(clients, connectors,
                new HubTokenIssuer(hub, Duration.ofMinutes(5), Duration.ofMinutes(1), Clock.systemUTC()),
                new RemoteCallPolicy(Duration.ofSeconds(30), 3, Duration.ofMillis(200), Duration.ofSeconds(2)))
                .runtime(agent.agentId(), URI.create(agent.endpoint()));
    }

    @AfterAll
    static void stopAgent() {
        try {
            if (agent != null) {
                agent.close();
            }
            if (connectors != null) {
                connectors.close();
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
