package io.codehub.agent.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The docker CLI, for what tests do behind the agent's back (files in a workspace, foreign containers). */
final class Docker {

    private Docker() {
    }

    static String run(String... args) {
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

    static void quietly(String... args) {
        try {
            run(args);
        } catch (IllegalStateException ignored) {
            // cleanup of something that may not exist
        }
    }

    /** Runs a shell command inside the workspace's container. */
    static String exec(String workspaceId, String script) {
        return run("exec", "codehub-ws-" + workspaceId, "sh", "-c", script);
    }

    /** Removes every container and volume of workspaces whose id starts with {@code prefix}. */
    static void removeWorkspaces(String prefix) {
        for (String name : run("ps", "-aq", "--filter", "name=codehub-ws-" + prefix).lines().toList()) {
            quietly("rm", "-f", name);
        }
        for (String name : run("volume", "ls", "-q", "--filter", "name=codehub-ws-" + prefix).lines().toList()) {
            quietly("volume", "rm", "-f", name);
        }
    }
}
