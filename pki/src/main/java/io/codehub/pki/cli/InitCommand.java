package io.codehub.pki.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;

import io.codehub.pki.CertificateAuthority;
import io.codehub.pki.InitOptions;
import io.codehub.pki.KeyType;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code codehub pki init}: creates a CA directory. */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = "Create a CA in DIR: a self-signed root certificate, its key (0600; encrypted when a passphrase "
                + "is given), an empty index and CRL.")
final class InitCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "Directory to create the CA in (empty or absent).")
    Path dir;

    @Option(names = "--key-type", paramLabel = "ec|rsa", defaultValue = "ec", converter = KeyTypeConverter.class,
            description = "CA key: ec (ECDSA P-256, default) or rsa (RSA 3072).")
    KeyType keyType;

    @Option(names = "--subject", paramLabel = "DN", defaultValue = InitOptions.DEFAULT_SUBJECT,
            description = "CA subject, RFC 4514, with a CN. Default: ${DEFAULT-VALUE}.")
    String subject;

    @Option(names = "--validity", paramLabel = "DURATION", defaultValue = "3650d", converter = DurationConverter.class,
            description = "CA certificate validity, e.g. 3650d. Default: ${DEFAULT-VALUE}.")
    Duration validity;

    @Mixin
    PassphraseOptions passphrase = new PassphraseOptions();

    @Override
    public Integer call() {
        char[] secret = passphrase.read();
        CertificateAuthority ca;
        try {
            ca = CertificateAuthority.init(dir, InitOptions.defaults().withKeyType(keyType).withSubject(subject)
                    .withValidity(validity).withPassphrase(secret));
        } finally {
            if (secret != null) {
                Arrays.fill(secret, '\0');
            }
        }
        spec.commandLine().getOut().printf("created CA '%s' in %s (%s, valid until %s, key %s)%n",
                ca.certificate().getSubjectX500Principal().getName(), ca.directory(), keyType,
                ca.certificate().getNotAfter().toInstant(), secret == null ? "not encrypted" : "encrypted");
        spec.commandLine().getOut().printf("trust bundle: %s%n", ca.directory().resolve("ca.pem"));
        return 0;
    }

    /** {@code ec} or {@code rsa}. */
    static final class KeyTypeConverter implements ITypeConverter<KeyType> {
        @Override
        public KeyType convert(String value) {
            switch (value.toLowerCase(Locale.ROOT)) {
                case "ec":
                    return KeyType.EC_P256;
                case "rsa":
                    return KeyType.RSA_3072;
                default:
                    throw new IllegalArgumentException("'" + value + "' (expected: ec or rsa)");
            }
        }
    }
}
