package io.codehub.pki.cli;

import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import io.codehub.pki.IssuedCertificate;
import io.codehub.pki.Serials;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code codehub pki issue server|agent}: a certificate with a key made here. */
@Command(name = "issue", mixinStandardHelpOptions = true,
        description = "Issue a certificate with a new ECDSA P-256 key: writes PREFIX-cert.pem (the certificate, then "
                + "the cross certificate during a CA rotation) and PREFIX-key.pem (0600, not encrypted).",
        subcommands = {IssueCommand.Server.class, IssueCommand.Agent.class})
final class IssueCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing kind: server or agent");
    }

    @Command(name = "server", mixinStandardHelpOptions = true,
            description = "Issue the hub's TLS certificate: DNS and IP SANs, URI SAN spiffe://codehub/hub (the hub's "
                    + "identity towards agents' direct listeners), EKU serverAuth and clientAuth.")
    static final class Server implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Mixin
        CaOptions ca = new CaOptions();

        @Option(names = "--dns", arity = "1..*", paramLabel = "NAME", description = "DNS name(s) of the hub.")
        List<String> dns = new ArrayList<>();

        @Option(names = "--ip", arity = "1..*", paramLabel = "ADDR", converter = IpConverter.class,
                description = "IP address(es) of the hub.")
        List<InetAddress> ips = new ArrayList<>();

        @Option(names = "--out", required = true, paramLabel = "PREFIX", description = "Output prefix.")
        String out;

        @Option(names = "--validity", paramLabel = "DURATION", defaultValue = "90d", converter = DurationConverter.class,
                description = "Validity. Default: ${DEFAULT-VALUE}.")
        Duration validity;

        @Override
        public Integer call() {
            if (dns.isEmpty() && ips.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "give at least one --dns NAME or --ip ADDR");
            }
            write(spec, out, ca.open().issueServer(dns, ips, validity));
            return 0;
        }
    }

    @Command(name = "agent", mixinStandardHelpOptions = true,
            description = "Issue an agent certificate (out-of-band enrolment): URI SAN spiffe://codehub/agent/ID, "
                    + "EKU clientAuth; with --dns/--ip also for the agent's direct listener (those SANs, EKU serverAuth).")
    static final class Agent implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Mixin
        CaOptions ca = new CaOptions();

        @Option(names = "--agent-id", required = true, paramLabel = "ID", description = "The agent id.")
        String agentId;

        @Option(names = "--dns", arity = "1..*", paramLabel = "NAME",
                description = "DNS name(s) the agent's direct listener is reached by.")
        List<String> dns = new ArrayList<>();

        @Option(names = "--ip", arity = "1..*", paramLabel = "ADDR", converter = IpConverter.class,
                description = "IP address(es) the agent's direct listener is reached by.")
        List<InetAddress> ips = new ArrayList<>();

        @Option(names = "--out", required = true, paramLabel = "PREFIX", description = "Output prefix.")
        String out;

        @Option(names = "--validity", paramLabel = "DURATION", defaultValue = "7d", converter = DurationConverter.class,
                description = "Validity. Default: ${DEFAULT-VALUE}.")
        Duration validity;

        @Override
        public Integer call() {
            write(spec, out, ca.open().issueAgent(agentId, validity, dns, ips));
            return 0;
        }
    }

    static void write(CommandSpec spec, String prefix, IssuedCertificate issued) {
        Path certFile = OutputFiles.sibling(prefix, "-cert.pem");
        Path keyFile = OutputFiles.sibling(prefix, "-key.pem");
        OutputFiles.refuseExisting(certFile, keyFile);
        OutputFiles.writePrivate(keyFile, issued.privateKeyPem(null));
        OutputFiles.writePublic(certFile, issued.chainPem());
        PrintWriter out = spec.commandLine().getOut();
        out.printf("wrote %s and %s%n", certFile, keyFile);
        out.printf("subject %s, serial %s, valid until %s%n",
                issued.certificate().getSubjectX500Principal().getName(),
                Serials.hex(issued.certificate()),
                issued.certificate().getNotAfter().toInstant());
    }

    /** IP literals only: a host name here would be resolved, which is never what is meant. */
    static final class IpConverter implements ITypeConverter<InetAddress> {
        @Override
        public InetAddress convert(String value) {
            if (!value.matches("[0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")) {
                throw new IllegalArgumentException("'" + value + "' is not an IP address");
            }
            try {
                return InetAddress.getByName(value);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("'" + value + "' is not an IP address");
            }
        }
    }
}
