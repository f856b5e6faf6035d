package io.codehub.pki.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import io.codehub.pki.PkiException;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * Where the CA key passphrase comes from: a file (first line) or the environment variable
 * {@value #ENV}. Never a command-line value, which other users could read in the process list.
 */
final class PassphraseOptions {

    static final String ENV = "CODEHUB_PKI_PASSPHRASE";
    private static final int MAX_BYTES = 1024;

    @Option(names = "--passphrase-file", paramLabel = "FILE",
            description = "File whose first line is the CA key passphrase. Default: the " + ENV
                    + " environment variable when set, else no passphrase.")
    @Nullable Path file;

    char @Nullable [] read() {
        if (file != null) {
            try {
                if (Files.size(file) > MAX_BYTES) {
                    throw new PkiException(file + ": larger than " + MAX_BYTES + " bytes; expected a passphrase");
                }
                String text = Files.readString(file, StandardCharsets.UTF_8);
                int end = text.indexOf('\n');
                String line = (end < 0 ? text : text.substring(0, end)).replace("\r", "");
                if (line.isEmpty()) {
                    throw new PkiException(file + ": empty passphrase");
                }
                return line.toCharArray();
            } catch (NoSuchFileException e) {
                throw new PkiException(file + ": no such file");
            } catch (IOException e) {
                throw new PkiException("read " + file + ": " + e, e);
            }
        }
        String env = System.getenv(ENV);
        return env == null || env.isEmpty() ? null : env.toCharArray();
    }
}
