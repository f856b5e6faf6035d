package io.codehub.hub.config;

import java.nio.file.Path;

/** The hub's data directory ({@code CODEHUB_HUB_DATA_DIR}): absolute, existing and writable. */
public record DataDirectory(Path path) {

    /** A file or directory inside it. */
    public Path resolve(String name) {
        return path.resolve(name);
    }
}
