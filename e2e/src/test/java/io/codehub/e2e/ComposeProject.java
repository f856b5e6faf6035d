package io.codehub.e2e;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;

/**
 * One project of the top-level {@code docker-compose.yml}, driven with the compose command this
 * machine has ({@code docker-compose} 1.29 or Compose v2's {@code docker compose}). Every call names
 * the project, the file and the project's env file, and runs without the caller's {@code CODEHUB_*},
 * {@code POSTGRES_*} and {@code COMPOSE_*} variables, which would override the env file.
 */
final class ComposeProject {

    /** Variables of the caller that must not reach compose: they would win over the env file. */
    static final Predicate<String> FOREIGN_VARIABLES =
            name -> name.startsWith("CODEHUB_") || name.startsWith("POSTGRES_") || name.startsWith("COMPOSE_");
    private static final Duration CALL_TIMEOUT = Duration.ofMinutes(2);

    private final Path root;
    private final String name;
    private final Path envFile;
    private final List<String> compose;

    ComposeProject(Path root, String name, Path envFile, List<String> compose) {
        this.root = root;
        this.name = name;
        this.envFile = envFile;
        this.compose = List.copyOf(compose);
    }

    /** {@code docker-compose}, else {@code docker compose}, or null when neither answers. */
    static @Nullable List<String> composeCommand(Path root) throws IOException, InterruptedException {
        if (ExternalCommand.onPath("docker-compose")
                && ExternalCommand.run(root, Duration.ofSeconds(30), "docker-compose", "version").exitCode() == 0) {
            return List.of("docker-compose");
        }
        if (ExternalCommand.onPath("docker")
                && ExternalCommand.run(root, Duration.ofSeconds(30), "docker", "compose", "version").exitCode() == 0) {
            return List.of("docker", "compose");
        }
        return null;
    }

    String name() {
        return name;
    }

    /** Runs {@code compose -p NAME -f docker-compose.yml --env-file FILE args...}. */
    ExternalCommand.Result compose(Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(compose);
        command.addAll(List.of("-p", name, "-f", root.resolve("docker-compose.yml").toString(),
                "--env-file", envFile.toString()));
        command.addAll(Arrays.asList(args));
        return ExternalCommand.run(root, timeout, FOREIGN_VARIABLES, Map.of(), command);
    }

    /** The host port {@code service}'s container port is published on (127.0.0.1 in the test's env file). */
    int publishedPort(String service, int containerPort) throws IOException, InterruptedException {
        String output = compose(CALL_TIMEOUT, "port", service, Integer.toString(containerPort)).orFail().output().strip();
        String address = output.substring(output.lastIndexOf('\n') + 1).strip();
        if (!address.startsWith("127.0.0.1:")) {
            throw new AssertionError(service + ":" + containerPort + " is published on " + address + ", not on 127.0.0.1");
        }
        return Integer.parseInt(address.substring("127.0.0.1:".length()));
    }

    /** The id of {@code service}'s container. */
    String containerId(String service) throws IOException, InterruptedException {
        return compose(CALL_TIMEOUT, "ps", "-q", service).orFail().output().strip();
    }

    /** Runs {@code sh -c script} in {@code service}'s running container. */
    ExternalCommand.Result shell(String service, String script) throws IOException, InterruptedException {
        return compose(CALL_TIMEOUT, "exec", "-T", service, "sh", "-c", script);
    }

    /** The IPv4 address of {@code service}'s container on the project's network {@code network}. */
    String address(String service, String network) throws IOException, InterruptedException {
        return docker("inspect", "--format",
                "{{ (index .NetworkSettings.Networks \"" + name + "_" + network + "\").IPAddress }}", containerId(service))
                .orFail().output().strip();
    }

    /** Containers, volumes and networks that still carry the project's label, one per line, or nothing. */
    String leftovers() throws IOException, InterruptedException {
        String label = "label=com.docker.compose.project=" + name;
        return (docker("ps", "--all", "--quiet", "--filter", label).orFail().output()
                + docker("volume", "ls", "--quiet", "--filter", label).orFail().output()
                + docker("network", "ls", "--quiet", "--filter", label).orFail().output()).strip();
    }

    /** Runs the docker CLI. */
    ExternalCommand.Result docker(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("docker"));
        command.addAll(Arrays.asList(args));
        return ExternalCommand.run(root, CALL_TIMEOUT, name -> false, Map.of(), command);
    }
}
