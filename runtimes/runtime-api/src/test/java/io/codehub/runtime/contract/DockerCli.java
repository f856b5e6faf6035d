package io.codehub.runtime.contract;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The docker CLI, for what tests of Docker-backed runtimes do behind the runtime's back: files in a
 * workspace, foreign containers, cleanup. Shared by the agent's and the hub's integration tests.
 */
public final class DockerCli {

    private DockerCli() {
    }

    public static String run(String... args) {
        List<String> command = new ArrayList<>();
        command.add("docker");
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("timed out: " + command);
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IllegalStateException(command + " exited " + process.exitValue() + ": " + output);
            }
            return output.trim();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Writes {@code content} to {@code relativePath} below {@code /home/coder} in the workspace's container. */
    public static void writeFile(String workspaceId, String relativePath, String content) {
        run("exec", "-e", "F=/home/coder/" + relativePath, "-e", "CONTENT=" + content, "codehub-ws-" + workspaceId,
                "sh", "-c", "mkdir -p \"$(dirname \"$F\")\" && printf %s \"$CONTENT\" > \"$F\"");
    }

    /** Reads {@code relativePath} below {@code /home/coder} in the workspace's container. */
    public static String readFile(String workspaceId, String relativePath) {
        return run("exec", "-e", "F=/home/coder/" + relativePath, "codehub-ws-" + workspaceId, "sh", "-c", "cat \"$F\"");
    }

    /** Whether the workspace's container exists. */
    public static boolean hasContainer(String workspaceId) {
        return !run("ps", "-aq", "--filter", "name=^codehub-ws-" + workspaceId + "$").isEmpty();
    }

    /** Whether the workspace's volume exists. */
    public static boolean hasVolume(String workspaceId) {
        return !run("volume", "ls", "-q", "--filter", "name=^codehub-ws-" + workspaceId + "$").isEmpty();
    }

    /** Removes every container and volume of workspaces whose id starts with {@code prefix}. */
    public static void removeWorkspaces(String prefix) {
        for (String name : run("ps", "-aq", "--filter", "name=codehub-ws-" + prefix).lines().toList()) {
            quietly("rm", "-f", name);
        }
        for (String name : run("volume", "ls", "-q", "--filter", "name=codehub-ws-" + prefix).lines().toList()) {
            quietly("volume", "rm", "-f", name);
        }
    }

    /** Runs a shell command inside the workspace's container and returns its output. */
    public static String exec(String workspaceId, String script) {
        return run("exec", "codehub-ws-" + workspaceId, "sh", "-c", script);
    }

    /** Runs a docker command, ignoring failure: for cleanup of something that may already be gone. */
    public static void quietly(String... args) {
        try {
            run(args);
        } catch (IllegalStateException ignored) {
            // cleanup of something that may already be gone
        }
    }
}
