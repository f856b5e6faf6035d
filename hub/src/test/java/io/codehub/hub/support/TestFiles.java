package io.codehub.hub.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** File clean-up for tests that keep state outside JUnit's {@code @TempDir}. */
public final class TestFiles {

    private TestFiles() {
    }

    /** Deletes {@code dir} and everything below it; what cannot be deleted is left. */
    public static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException ignored) {
                    // best effort: a file created by a container may not be ours to delete
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
