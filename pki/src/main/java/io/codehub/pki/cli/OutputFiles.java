package io.codehub.pki.cli;

import java.nio.file.Files;
import java.nio.file.Path;

import io.codehub.pki.Pem;
import io.codehub.pki.PkiException;

/** Writes the CLI's output files, refusing to overwrite what exists (a key lost is not recoverable). */
final class OutputFiles {

    private OutputFiles() {
    }

    static Path sibling(String prefix, String suffix) {
        return Path.of(prefix + suffix);
    }

    static void refuseExisting(Path... files) {
        for (Path file : files) {
            if (Files.exists(file)) {
                throw new PkiException(file + " exists; remove it or choose another --out");
            }
        }
    }

    static void writePublic(Path file, String pem) {
        Pem.writePublic(file, pem);
    }

    static void writePrivate(Path file, String pem) {
        Pem.writePrivate(file, pem);
    }
}
