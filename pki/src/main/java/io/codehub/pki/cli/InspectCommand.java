package io.codehub.pki.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

import io.codehub.pki.AgentIdentity;
import io.codehub.pki.Csrs;
import io.codehub.pki.Pem;
import io.codehub.pki.PkiException;
import io.codehub.pki.RevocationList;
import io.codehub.pki.Serials;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code codehub pki inspect}: shows what a PEM file holds. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show what a PEM file holds: certificates (subject, issuer, serial, validity, SANs, agent id), "
                + "CSRs, CRLs and keys (type only). With --dir, also whether each certificate is revoked (from DIR/crl.pem).")
final class InspectCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The PEM file.")
    Path file;

    @Option(names = "--dir", paramLabel = "DIR", description = "A CA directory whose crl.pem says what is revoked.")
    @Nullable Path dir;

    @Override
    public Integer call() throws GeneralSecurityException {
        List<PemObject> blocks = blocks();
        if (blocks.isEmpty()) {
            throw new PkiException(file + " holds no PEM data");
        }
        RevocationList crl = dir == null ? null : RevocationList.read(dir.resolve("crl.pem"));
        PrintWriter out = spec.commandLine().getOut();
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        Instant now = Instant.now();
        int index = 0;
        for (PemObject block : blocks) {
            if (index++ > 0) {
                out.println();
            }
            switch (block.getType()) {
                case "CERTIFICATE" -> certificate(out,
                        (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.getContent())), crl, now);
                case "X509 CRL" -> crl(out, (X509CRL) factory.generateCRL(new ByteArrayInputStream(block.getContent())), now);
                case "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST" -> csr(out, block.getContent());
                default -> out.printf("%s (%d bytes; contents not shown)%n", block.getType(), block.getContent().length);
            }
        }
        return 0;
    }

    private List<PemObject> blocks() {
        try {
            if (Files.size(file) > Pem.MAX_FILE_BYTES) {
                throw new PkiException(file + ": larger than " + Pem.MAX_FILE_BYTES + " bytes");
            }
            String text = Files.readString(file, StandardCharsets.US_ASCII);
            List<PemObject> blocks = new ArrayList<>();
            try (PemReader reader = new PemReader(new StringReader(text))) {
                for (PemObject block = reader.readPemObject(); block != null; block = reader.readPemObject()) {
                    blocks.add(block);
                }
            }
            return blocks;
        } catch (NoSuchFileException e) {
            throw new PkiException(file + ": no such file");
        } catch (IOException | RuntimeException e) {
            throw new PkiException(file + ": not readable PEM: " + e.getMessage(), e);
        }
    }

    private static void certificate(PrintWriter out, X509Certificate cert, @Nullable RevocationList crl, Instant now)
            throws GeneralSecurityException {
        out.println("CERTIFICATE");
        out.printf("  subject:     %s%n", cert.getSubjectX500Principal().getName());
        out.printf("  issuer:      %s%n", cert.getIssuerX500Principal().getName());
        out.printf("  serial:      %s%n", Serials.hex(cert));
        out.printf("  not before:  %s%n", cert.getNotBefore().toInstant());
        out.printf("  not after:   %s%n", cert.getNotAfter().toInstant());
        Instant notAfter = cert.getNotAfter().toInstant();
        out.printf("  status:      %s%n", now.isAfter(notAfter) ? "expired"
                : now.isBefore(cert.getNotBefore().toInstant()) ? "not yet valid" : "within validity");
        out.printf("  key:         %s%n", describe(cert.getPublicKey()));
        out.printf("  CA:          %s%n", cert.getBasicConstraints() >= 0 ? "yes" : "no");
        List<String> usages = cert.getExtendedKeyUsage();
        if (usages != null) {
            out.printf("  key purpose: %s%n", String.join(", ", usages.stream().map(InspectCommand::purpose).toList()));
        }
        Collection<List<?>> sans = cert.getSubjectAlternativeNames();
        if (sans != null) {
            for (List<?> san : sans) {
                out.printf("  SAN:         %s%n", sanLabel((Integer) san.get(0)) + ":" + san.get(1));
            }
        }
        AgentIdentity.agentId(cert).ifPresent(id -> out.printf("  agent id:    %s%n", id));
        if (crl != null) {
            Optional<X509CRLEntry> entry = crl.entry(cert.getSerialNumber());
            out.printf("  revoked:     %s%n", entry.map(e -> "yes, at " + e.getRevocationDate().toInstant()
                    + (e.getRevocationReason() == null ? "" : " (" + e.getRevocationReason() + ")")).orElse("no"));
        }
    }

    private static void crl(PrintWriter out, X509CRL crl, Instant now) {
        out.println("X509 CRL");
        out.printf("  issuer:      %s%n", crl.getIssuerX500Principal().getName());
        out.printf("  this update: %s%n", crl.getThisUpdate().toInstant());
        Instant next = crl.getNextUpdate() == null ? null : crl.getNextUpdate().toInstant();
        out.printf("  next update: %s%s%n", next, next != null && now.isAfter(next) ? " (stale)" : "");
        var entries = crl.getRevokedCertificates();
        out.printf("  revoked:     %d%n", entries == null ? 0 : entries.size());
        if (entries != null) {
            for (X509CRLEntry entry : entries) {
                out.printf("    %s at %s%s%n", Serials.hex(entry.getSerialNumber()),
                        entry.getRevocationDate().toInstant(),
                        entry.getRevocationReason() == null ? "" : " (" + entry.getRevocationReason() + ")");
            }
        }
    }

    private static void csr(PrintWriter out, byte[] der) {
        out.println("CERTIFICATE REQUEST");
        try {
            PKCS10CertificationRequest csr = new PKCS10CertificationRequest(der);
            out.printf("  subject:     %s%n", csr.getSubject());
            var extensions = csr.getRequestedExtensions();
            GeneralNames sans = extensions == null ? null : GeneralNames.fromExtensions(extensions,
                    Extension.subjectAlternativeName);
            if (sans != null) {
                for (var name : sans.getNames()) {
                    out.printf("  SAN:         %s:%s%n", sanLabel(name.getTagNo()), name.getName());
                }
            }
        } catch (IOException | RuntimeException e) {
            out.printf("  unreadable:  %s%n", e.getMessage());
            return;
        }
        try {
            out.printf("  agent id:    %s (signature valid; the CA would sign it)%n", Csrs.requestedAgentId(der));
        } catch (PkiException e) {
            out.printf("  refused:     %s%n", e.getMessage());
        }
    }

    private static String describe(PublicKey key) {
        if (key instanceof ECPublicKey ec) {
            return "EC " + ec.getParams().getCurve().getField().getFieldSize() + " bits";
        }
        if (key instanceof RSAPublicKey rsa) {
            return "RSA " + rsa.getModulus().bitLength() + " bits";
        }
        return key.getAlgorithm();
    }

    private static String purpose(String oid) {
        return switch (oid) {
            case "1.3.6.1.5.5.7.3.1" -> "serverAuth";
            case "1.3.6.1.5.5.7.3.2" -> "clientAuth";
            default -> oid;
        };
    }

    private static String sanLabel(int tag) {
        return switch (tag) {
            case 1 -> "email";
            case 2 -> "DNS";
            case 6 -> "URI";
            case 7 -> "IP";
            default -> "type" + tag;
        };
    }
}
