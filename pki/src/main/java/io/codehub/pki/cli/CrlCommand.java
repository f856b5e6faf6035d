package io.codehub.pki.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import io.codehub.pki.RevocationList;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code codehub pki crl}: re-signs the CRLs. */
@Command(name = "crl", mixinStandardHelpOptions = true,
        description = "Sign fresh CRLs (valid 7 days) into DIR/crl.pem, rewriting ca.pem and cross.pem too; with "
                + "--out, also copy them to FILE.")
final class CrlCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    CaOptions ca = new CaOptions();

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the CRLs here.")
    @Nullable Path out;

    @Override
    public Integer call() {
        var authority = ca.open();
        RevocationList list = authority.crl();
        if (out != null) {
            OutputFiles.writePublic(out, list.pem());
        }
        int entries = list.crl().getRevokedCertificates() == null ? 0 : list.crl().getRevokedCertificates().size();
        spec.commandLine().getOut().printf("wrote %s%s: %d CRL(s), %d revoked by the current CA, next update %s%n",
                authority.directory().resolve("crl.pem"), out == null ? "" : " and " + out, list.all().size(), entries,
                list.nextUpdate());
        return 0;
    }
}
