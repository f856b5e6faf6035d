package io.codehub.pki.cli;

import java.nio.file.Path;
import java.util.Arrays;

import io.codehub.pki.CertificateAuthority;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code --dir D} and the passphrase options of every command that opens a CA. */
final class CaOptions {

    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "The CA directory (made by init).")
    Path dir;

    @Mixin
    PassphraseOptions passphrase = new PassphraseOptions();

    CertificateAuthority open() {
        char[] secret = passphrase.read();
        try {
            return CertificateAuthority.open(dir, secret);
        } finally {
            if (secret != null) {
                Arrays.fill(secret, '\0');
            }
        }
    }
}
