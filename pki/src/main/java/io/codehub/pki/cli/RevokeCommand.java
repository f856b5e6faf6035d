package io.codehub.pki.cli;

import java.io.PrintWriter;
import java.math.BigInteger;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Callable;

import io.codehub.pki.CertificateAuthority;
import io.codehub.pki.IssuedRecord;
import io.codehub.pki.RevocationReason;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code codehub pki revoke}: revokes by serial or every certificate of an agent. */
@Command(name = "revoke", mixinStandardHelpOptions = true,
        description = "Revoke one certificate (--serial) or every unexpired certificate of an agent (--agent-id), and "
                + "rewrite crl.pem. A hub using the same directory notices within its reload interval.")
final class RevokeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    CaOptions ca = new CaOptions();

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    static final class Target {
        @Option(names = "--serial", paramLabel = "SERIAL", converter = SerialConverter.class,
                description = "Serial in hex, as OpenSSL prints it (3A4F..., 3a:4f:..., or 0x3a4f...).")
        @Nullable BigInteger serial;

        @Option(names = "--agent-id", paramLabel = "ID", description = "Revoke all of this agent's certificates.")
        @Nullable String agentId;
    }

    @Option(names = "--reason", paramLabel = "REASON", defaultValue = "unspecified", converter = ReasonConverter.class,
            description = "unspecified, key-compromise, ca-compromise, affiliation-changed, superseded, "
                    + "cessation-of-operation or privilege-withdrawn. Default: ${DEFAULT-VALUE}.")
    RevocationReason reason;

    @Override
    public Integer call() {
        CertificateAuthority authority = ca.open();
        PrintWriter out = spec.commandLine().getOut();
        if (target.serial != null) {
            IssuedRecord record = authority.revoke(target.serial, reason);
            out.printf("revoked %s (%s %s, reason %s); wrote %s%n", record.serialHex(),
                    record.kind().name().toLowerCase(Locale.ROOT), record.name(),
                    record.reason() == null ? reason.label() : record.reason().label(), authority.directory().resolve("crl.pem"));
        } else {
            List<IssuedRecord> revoked = authority.revokeAgent(Objects.requireNonNull(target.agentId), reason);
            if (revoked.isEmpty()) {
                out.printf("agent %s has no unexpired, unrevoked certificate; nothing revoked%n", target.agentId);
            }
            for (IssuedRecord record : revoked) {
                out.printf("revoked %s (agent %s, reason %s)%n", record.serialHex(), record.name(), reason.label());
            }
        }
        return 0;
    }

    /** Hex serials: {@code 3A4F}, {@code 3a:4f}, {@code 0x3a4f}. */
    static final class SerialConverter implements ITypeConverter<BigInteger> {
        @Override
        public BigInteger convert(String value) {
            String hex = value.trim().replace(":", "");
            if (hex.startsWith("0x") || hex.startsWith("0X")) {
                hex = hex.substring(2);
            }
            if (hex.isEmpty() || hex.length() > 40 || !hex.matches("[0-9A-Fa-f]+")) {
                throw new IllegalArgumentException("'" + value + "' is not a hex serial (expected e.g. 3A4F09...)");
            }
            return new BigInteger(hex, 16);
        }
    }

    static final class ReasonConverter implements ITypeConverter<RevocationReason> {
        @Override
        public RevocationReason convert(String value) {
            return RevocationReason.parse(value);
        }
    }
}
