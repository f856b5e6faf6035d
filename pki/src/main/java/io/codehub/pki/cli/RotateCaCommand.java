package io.codehub.pki.cli;

import java.io.PrintWriter;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.Callable;

import io.codehub.pki.CertificateAuthority;
import io.codehub.pki.KeyType;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code codehub pki rotate-ca}: starts or finishes a CA rotation. */
@Command(name = "rotate-ca", mixinStandardHelpOptions = true,
        description = "Start a CA rotation: a new CA key and certificate, cross-signed by the current CA so that "
                + "parties trusting only the old root keep validating new chains; ca.pem then holds both roots. "
                + "With --finish, end it: only the new root stays in ca.pem, CRLs and chains. See docs/pki.md.")
final class RotateCaCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    CaOptions ca = new CaOptions();

    @Option(names = "--key-type", paramLabel = "ec|rsa", converter = InitCommand.KeyTypeConverter.class,
            description = "New CA key type. Default: the current one's.")
    @Nullable KeyType keyType;

    @Option(names = "--validity", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "New CA validity. Default: the current one's.")
    @Nullable Duration validity;

    @Option(names = "--finish", description = "End the rotation instead of starting one.")
    boolean finish;

    @Option(names = "--force", description = "With --finish: even while certificates of the old CA are still valid.")
    boolean force;

    @Override
    public Integer call() {
        CertificateAuthority authority = ca.open();
        PrintWriter out = spec.commandLine().getOut();
        if (finish) {
            int left = authority.finishRotation(force);
            out.printf("rotation finished: ca.pem holds only '%s'%s%n",
                    authority.certificate().getSubjectX500Principal().getName(),
                    left == 0 ? "" : "; " + left + " still-valid certificates of earlier CAs no longer validate");
            return 0;
        }
        X509Certificate current = authority.certificate();
        KeyType type = keyType != null ? keyType
                : current.getPublicKey().getAlgorithm().equals("RSA") ? KeyType.RSA_3072 : KeyType.EC_P256;
        X509Certificate next = validity != null ? authority.rotateCa(type, validity)
                : keyType != null ? authority.rotateCa(type, Duration.between(current.getNotBefore().toInstant(),
                        current.getNotAfter().toInstant())) : authority.rotateCa();
        out.printf("new CA '%s' (generation %d, valid until %s), cross-signed by '%s'%n",
                next.getSubjectX500Principal().getName(), authority.generation(), next.getNotAfter().toInstant(),
                current.getSubjectX500Principal().getName());
        out.println("ca.pem now holds both roots: distribute it, let agents renew, then run 'rotate-ca --finish'.");
        return 0;
    }
}
