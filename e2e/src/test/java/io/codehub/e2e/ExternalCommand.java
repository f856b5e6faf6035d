package io.codehub.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A command run to completion with a deadline: its output (stdout and stderr merged) is kept in a
 * temporary file, so a chatty command never blocks on a full pipe, and a failure says which command
 * failed how, with the end of what it printed.
 */
final class ExternalCommand {

    private static final int TAIL_CHARS = 4_000;

    private ExternalCommand() {
    }

    /** What a finished command left. */
    record Result(List<String> command, int exitCode, String output) {

        /** This result when the command exited 0; otherwise an assertion error naming it. */
        Result orFail() {
            if (exitCode != 0) {
                throw new AssertionError(String.join(" ", command) + " exited " + exitCode + ":\n" + tail(output));
            }
            return this;
        }
    }

    /**
     * Runs {@code command} in {@code directory} with the inherited environment minus the variables
     * {@code drop} matches, plus {@code set}; kills it (and fails) when it outlives {@code timeout}.
     */
    static Result run(Path directory, Duration timeout, Predicate<String> drop, Map<String, String> set, List<String> command)
            throws IOException, InterruptedException {
        Path log = Files.createTempFile("codehub-e2e-", ".log");
        try {
            ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command)).directory(directory.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().keySet().removeIf(drop);
            builder.environment().putAll(set);
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout + ":\n"
                        + tail(Files.readString(log, StandardCharsets.UTF_8)));
            }
            return new Result(List.copyOf(command), process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** Runs {@code command} with the inherited environment. */
    static Result run(Path directory, Duration timeout, String... command) throws IOException, InterruptedException {
        return run(directory, timeout, name -> false, Map.of(), List.of(command));
    }

    /** Whether {@code program} is an executable on the PATH. */
    static boolean onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    static String tail(String output) {
        return output.length() <= TAIL_CHARS ? output : "..." + output.substring(output.length() - TAIL_CHARS);
    }
}
