package io.codehub.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * What docker-compose.yml promises without running it: every variable it reads is documented in
 * .env.example and written by deploy/docker/compose-env (and nothing else is); every service is
 * hardened the same way; ports are published on 127.0.0.1 unless configured otherwise; only the
 * registration steps hold the admin token; the site agent listens nowhere and reaches only the site
 * network and its workspaces' network; each agent's workspaces join a network of their own, which the
 * gateway's dialler (hub or site agent) shares and the direct agent does not. ComposeStackIT runs the
 * file for real.
 */
class ComposeFileTest {

    private static final Path ROOT = Path.of(System.getProperty("codehub.root", "..")).toAbsolutePath().normalize();
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)");
    private static final Pattern ASSIGNMENT = Pattern.compile("(?m)^([A-Z][A-Z0-9_]*)=");

    private static String composeText;
    private static Map<String, Object> compose;

    @BeforeAll
    static void read() throws IOException {
        Path file = ROOT.resolve("docker-compose.yml");
        composeText = Files.readString(file, StandardCharsets.UTF_8);
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            compose = new Yaml().load(reader);
        }
    }

    @Test
    void everyVariableIsDocumentedInEnvExampleAndWrittenByComposeEnv() throws IOException {
        Set<String> used = matches(REFERENCE, composeText);
        String example = Files.readString(ROOT.resolve(".env.example"), StandardCharsets.UTF_8);
        Set<String> documented = matches(ASSIGNMENT, example);
        Set<String> written = matches(ASSIGNMENT,
                Files.readString(ROOT.resolve("deploy/docker/compose-env"), StandardCharsets.UTF_8));

        assertThat(documented).as(".env.example vs docker-compose.yml").isEqualTo(used);
        assertThat(written).as("deploy/docker/compose-env vs docker-compose.yml").isEqualTo(used);
        List<String> lines = example.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (ASSIGNMENT.matcher(lines.get(i)).lookingAt()) {
                assertThat(lines.get(i - 1)).as("the line before " + lines.get(i) + " describes it").startsWith("# ");
            }
        }
    }

    @Test
    void theFileIsForTheComposeSpecificationAndNamesItsServices() {
        assertThat(compose).doesNotContainKey("version");
        assertThat(services()).containsOnlyKeys("postgres", "hub", "register-direct", "register-site",
                "agent-direct", "agent-site");
        assertThat(compose.get("volumes")).asInstanceOf(InstanceOfAssertFactories.MAP)
                .containsOnlyKeys("postgres-data", "hub-data", "direct-registration", "site-registration");
    }

    @Test
    void everyServiceRunsReadOnlyWithoutCapabilitiesOrNewPrivileges() {
        services().forEach((name, service) -> {
            assertThat(service.get("read_only")).as(name).isEqualTo(true);
            assertThat(service.get("cap_drop")).as(name).isEqualTo(List.of("ALL"));
            assertThat(service.get("security_opt")).as(name).isEqualTo(List.of("no-new-privileges:true"));
            assertThat(service).as(name).doesNotContainKeys("privileged", "network_mode", "cap_add", "pid", "ipc");
        });
    }

    @Test
    void onlyTheHubPublishesPortsAndOnLoopbackByDefault() {
        services().forEach((name, service) -> {
            if (name.equals("hub")) {
                assertThat(strings(service.get("ports"))).isNotEmpty()
                        .allSatisfy(port -> assertThat(port).startsWith("${CODEHUB_PUBLISH_ADDRESS:-127.0.0.1}:"));
            } else {
                assertThat(service).as(name).doesNotContainKey("ports");
            }
        });
    }

    @Test
    void onlyTheRegistrationStepsHoldTheAdminTokenAndTheAgentsReadTheirRegistrationReadOnly() {
        services().forEach((name, service) -> {
            Map<String, Object> environment = map(service.getOrDefault("environment", Map.of()));
            if (name.startsWith("register-") || name.equals("hub")) {
                assertThat(environment).as(name).containsKey("CODEHUB_ADMIN_TOKEN");
            } else {
                assertThat(environment).as(name).doesNotContainKey("CODEHUB_ADMIN_TOKEN");
            }
        });
        for (String agent : List.of("direct", "site")) {
            Map<String, Object> service = services().get("agent-" + agent);
            assertThat(strings(service.get("volumes"))).contains(agent + "-registration:/var/lib/codehub/registration:ro");
            assertThat(map(service.get("environment")).get("SPRING_CONFIG_IMPORT"))
                    .isEqualTo("file:/var/lib/codehub/registration/agent.properties");
            assertThat(strings(services().get("register-" + agent).get("volumes")))
                    .containsExactly(agent + "-registration:/var/lib/codehub/registration");
        }
    }

    @Test
    void theSiteAgentDialsOutOnTheSiteNetworkAndListensNowhere() {
        Map<String, Object> site = services().get("agent-site");
        Map<String, Object> environment = map(site.get("environment"));
        assertThat(environment.get("CODEHUB_AGENT_LISTEN")).isEqualTo("none");
        assertThat(environment.get("CODEHUB_AGENT_HUB_URL")).isEqualTo("tcp://hub:7443");
        assertThat(site.get("networks")).isEqualTo(List.of("site", "site-workspaces"));
        assertThat(services().get("agent-direct").get("networks")).isEqualTo(List.of("agents"));
        assertThat(strings(services().get("register-site").get("command"))).containsSequence("--endpoint", "tunnel://");
        assertThat(strings(services().get("register-direct").get("command")))
                .containsSequence("--endpoint", "http://agent-direct:8081");
        Map<String, Object> networks = map(compose.get("networks"));
        assertThat(map(networks.get("db")).get("internal")).isEqualTo(true);
        assertThat(map(networks.get("agents")).get("internal")).isEqualTo(true);
        assertThat(services().get("postgres").get("networks")).isEqualTo(List.of("db"));
    }

    @Test
    void eachAgentsWorkspacesJoinTheirOwnNetworkWhichOnlyTheirGatewayDiallerShares() {
        Map<String, Object> networks = map(compose.get("networks"));
        Map<String, Object> direct = map(networks.get("direct-workspaces"));
        Map<String, Object> site = map(networks.get("site-workspaces"));
        // Fixed names: the agents are told them, and .env can change them.
        assertThat(direct.get("name")).isEqualTo("${CODEHUB_DIRECT_WORKSPACE_NETWORK:-codehub-direct-workspaces}");
        assertThat(site.get("name")).isEqualTo("${CODEHUB_SITE_WORKSPACE_NETWORK:-codehub-site-workspaces}");
        assertThat(map(services().get("agent-direct").get("environment")).get("CODEHUB_AGENT_DOCKER_NETWORK"))
                .isEqualTo(direct.get("name"));
        assertThat(map(services().get("agent-site").get("environment")).get("CODEHUB_AGENT_DOCKER_NETWORK"))
                .isEqualTo(site.get("name"));
        // Workspaces reach the outside world; the hub may dial exactly the direct workspaces' subnet.
        assertThat(direct).doesNotContainKey("internal");
        assertThat(site).doesNotContainKey("internal");
        List<?> ipam = (List<?>) map(direct.get("ipam")).get("config");
        assertThat(ipam).hasSize(1);
        Object subnet = map(ipam.get(0)).get("subnet");
        assertThat(subnet).isEqualTo("${CODEHUB_DIRECT_WORKSPACE_SUBNET:-10.247.0.0/24}");
        Map<String, Object> hub = services().get("hub");
        assertThat(map(hub.get("environment")).get("CODEHUB_HUB_GATEWAY_DIRECT_NETWORKS")).isEqualTo(subnet);
        // Who dials the workspaces shares their network; nothing else of codehub does.
        assertThat(map(hub.get("networks"))).containsKey("direct-workspaces").doesNotContainKey("site-workspaces");
        services().forEach((name, service) -> {
            Object joined = service.get("networks");
            List<String> names = joined instanceof Map<?, ?> m ? m.keySet().stream().map(String::valueOf).toList()
                    : strings(joined);
            if (!name.equals("hub")) {
                assertThat(names).as(name).doesNotContain("direct-workspaces");
            }
            if (!name.equals("agent-site")) {
                assertThat(names).as(name).doesNotContain("site-workspaces");
            }
        });
    }

    @Test
    void theGatewayIsPublishedAndItsLinksNameThePublishedPort() {
        Map<String, Object> hub = services().get("hub");
        assertThat(strings(hub.get("ports"))).contains("${CODEHUB_PUBLISH_ADDRESS:-127.0.0.1}:${CODEHUB_GATEWAY_PORT:-8088}:8088");
        Map<String, Object> environment = map(hub.get("environment"));
        assertThat(environment.get("CODEHUB_HUB_GATEWAY_PUBLIC_PORT")).isEqualTo("${CODEHUB_GATEWAY_PORT:-8088}");
        assertThat(environment).doesNotContainKeys("CODEHUB_HUB_GATEWAY_PORT", "CODEHUB_HUB_GATEWAY_ADDRESS");
    }

    private static Map<String, Map<String, Object>> services() {
        Map<String, Map<String, Object>> services = new LinkedHashMap<>();
        map(compose.get("services")).forEach((name, service) -> services.put(name, map(service)));
        return services;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<String> strings(Object value) {
        return value == null ? List.of() : (List<String>) value;
    }

    private static Set<String> matches(Pattern pattern, String text) {
        Set<String> names = new TreeSet<>();
        Matcher matcher = pattern.matcher(text);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }
}
