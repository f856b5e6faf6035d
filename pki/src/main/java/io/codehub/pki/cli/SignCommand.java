package io.codehub.pki.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

import io.codehub.pki.AgentIdentity;
import io.codehub.pki.Csrs;
import io.codehub.pki.Pem;
import io.codehub.pki.PkiException;
import io.codehub.pki.Serials;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code codehub pki sign}: signs an agent's CSR. */
@Command(name = "sign", mixinStandardHelpOptions = true,
        description = "Sign an agent's CSR (PEM or DER). The CSR must name exactly one agent (CN and/or URI SAN "
                + "spiffe://codehub/agent/ID); with --agent-id, that one. Writes the chain (certificate, then the cross "
                + "certificate during a CA rotation) to FILE.")
final class SignCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    CaOptions ca = new CaOptions();

    @Option(names = "--csr", required = true, paramLabel = "FILE", description = "The CSR file.")
    Path csr;

    @Option(names = "--agent-id", paramLabel = "ID", description = "Refuse the CSR unless it names this agent.")
    @Nullable String agentId;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the chain.")
    Path out;

    @Option(names = "--validity", paramLabel = "DURATION", defaultValue = "7d", converter = DurationConverter.class,
            description = "Validity. Default: ${DEFAULT-VALUE}.")
    Duration validity;

    @Override
    public Integer call() {
        byte[] request = read(csr);
        OutputFiles.refuseExisting(out);
        List<X509Certificate> chain = ca.open().sign(request, agentId, validity);
        OutputFiles.writePublic(out, Pem.encode(chain));
        spec.commandLine().getOut().printf("wrote %s: agent %s, serial %s, valid until %s%n", out,
                AgentIdentity.agentId(chain.get(0)).orElse("?"),
                Serials.hex(chain.get(0)), chain.get(0).getNotAfter().toInstant());
        return 0;
    }

    private static byte[] read(Path file) {
        try {
            if (Files.size(file) > Csrs.MAX_CSR_BYTES) {
                throw new PkiException(file + ": " + Files.size(file) + " bytes (expected: a CSR of at most "
                        + Csrs.MAX_CSR_BYTES + ")");
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new PkiException(file + ": no such file");
        } catch (IOException e) {
            throw new PkiException("read " + file + ": " + e, e);
        }
    }
}
