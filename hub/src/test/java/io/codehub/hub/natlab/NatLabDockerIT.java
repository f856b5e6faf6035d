package io.codehub.hub.natlab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.codehub.hub.support.NatLab;
import io.codehub.runtime.contract.DockerCli;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The NAT lab's site engine ({@code natlab up ID --docker}): a dockerd in the site's network
 * namespace, so a container port published on 127.0.0.1 is on the site's loopback, where an agent
 * in the site reaches it as on a real site, and nowhere else: not in the hub's namespace, and the
 * machine's own engine does not know the container. {@code natlab down} leaves no engine, socket,
 * mount or directory behind, and is safe to repeat. Only addresses inside the lab's namespaces
 * are used.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class NatLabDockerIT {

    private static final String IMAGE = "codehub/busybox:local";
    private static final Duration CURL = Duration.ofSeconds(10);
    private static final Map<String, Duration> timings = new LinkedHashMap<>();
    private static NatLab lab;
    private static boolean down;

    @BeforeAll
    static void labUp() {
        long start = System.nanoTime();
        lab = NatLab.up("d", true);
        took("up --docker", start);
        start = System.nanoTime();
        lab.loadImages(IMAGE);
        took("load-image " + IMAGE, start);
    }

    @AfterAll
    static void labDown() {
        try {
            if (lab != null && !down) {
                lab.down();
            }
        } finally {
            System.out.println("NatLabDockerIT timings: " + timings);
        }
    }

    @Test
    void theSiteEnginePublishesOnTheSiteLoopbackOnly() throws IOException {
        String host = lab.dockerHost();
        assertThat(host).isEqualTo("unix:///run/codehub-natlab-" + lab.id() + "/docker.sock");
        Path socket = Path.of(URI.create(host).getPath());
        Path dataRoot = Path.of(docker(host, "info", "-f", "{{.DockerRootDir}}"));
        assertThat(dataRoot).isNotEqualTo(Path.of(DockerCli.run("info", "-f", "{{.DockerRootDir}}")));
        assertThat(lab.loadImages(IMAGE)).as("a second load of the same image").contains("already in the site's engine");

        String container = docker(host, "run", "-d", "-p", "127.0.0.1::8080", IMAGE,
                "sh", "-c", "echo hello > /tmp/index.html; exec httpd -f -p 8080 -h /tmp");
        String published = docker(host, "port", container, "8080/tcp").lines().findFirst().orElseThrow();
        assertThat(published).startsWith("127.0.0.1:");
        String url = "http://" + published + "/";

        // The site reaches the container on its own loopback, as an agent next to its engine does.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(
                () -> lab.exec("site", CURL, "curl", "-s", "--max-time", "5", url).output().strip(), "hello"::equals);
        // The hub's loopback is another one: nothing listens there.
        NatLab.Result fromHub = lab.exec("hub", CURL, "curl", "-s", "--max-time", "5", url);
        assertThat(fromHub.exitCode()).as("curl %s from the hub's namespace: %s", url, fromHub.output()).isNotZero();
        assertThat(fromHub.output()).doesNotContain("hello");
        // The machine's engine does not know the container; the site's does.
        assertThat(DockerCli.run("ps", "-aq", "--no-trunc")).doesNotContain(container);
        assertThat(docker(host, "ps", "-q", "--no-trunc")).contains(container);
        assertThat(mountsUnder(dataRoot)).as("the running container's layers").isNotEmpty();

        long start = System.nanoTime();
        down = true;
        lab.down();
        took("down (one container running)", start);
        assertThat(socket).doesNotExist();
        assertThat(socket.getParent()).doesNotExist();
        assertThat(dataRoot).doesNotExist();
        assertThat(mountsUnder(dataRoot)).isEmpty();
        assertThat(mountsUnder(socket.getParent())).isEmpty();
        assertThat(engineProcesses(socket.getParent())).isEmpty();
        assertThat(NatLab.run(List.of("ip", "netns", "list"), CURL).orThrow()).doesNotContain("ch" + lab.id() + "-");

        start = System.nanoTime();
        lab.down();
        took("down again", start);
    }

    private static String docker(String host, String... args) {
        List<String> command = new ArrayList<>(List.of("docker", "-H", host));
        command.addAll(List.of(args));
        return NatLab.run(command, Duration.ofSeconds(60)).orThrow().strip();
    }

    /** Mount points of the root mount namespace (this JVM's) at or below {@code dir}. */
    private static List<String> mountsUnder(Path dir) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .map(line -> line.split(" ")[4])
                .filter(mountPoint -> mountPoint.equals(dir.toString()) || mountPoint.startsWith(dir + "/"))
                .toList();
    }

    /** Processes whose command line names {@code dir}: the site's dockerd, containerd and shims. */
    private static List<String> engineProcesses(Path dir) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            for (Path process : processes.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String commandLine = new String(Files.readAllBytes(process.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
                    String state = Files.readString(process.resolve("stat"));
                    boolean zombie = state.substring(state.lastIndexOf(')') + 2).startsWith("Z");
                    if (!zombie && commandLine.contains(dir + "/")) {
                        found.add(process.getFileName() + " " + commandLine);
                    }
                } catch (IOException gone) {
                    // the process ended while we listed
                }
            }
        }
        return found;
    }

    private static void took(String what, long startNanos) {
        timings.put(what, Duration.ofNanos(System.nanoTime() - startNanos));
    }
}
