package io.codehub.pki;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.jspecify.annotations.Nullable;

/**
 * The CA generations of a directory, as {@code ca.properties} says: which one signs, which ones
 * are still trusted, and the current one's cross certificate. Immutable; a change writes the files
 * and loads a new value.
 */
record CaState(Generation current, List<Generation> trusted, @Nullable X509Certificate cross, Object stamp) {

    static final String GENERATIONS = "generations";

    /** One CA key and certificate. {@code toString} leaves the key out. */
    record Generation(int generation, X509Certificate certificate, PrivateKey key) {
        @Override
        public String toString() {
            return "Generation[" + generation + ", " + certificate.getSubjectX500Principal().getName() + "]";
        }
    }

    List<X509Certificate> trustBundle() {
        return trusted.stream().map(Generation::certificate).toList();
    }

    List<Integer> trustedGenerations() {
        return trusted.stream().map(Generation::generation).toList();
    }

    static Path generationFile(CaDirectory files, int generation, String name) {
        return files.dir().resolve(GENERATIONS).resolve(Integer.toString(generation)).resolve(name);
    }

    static CaState load(CaDirectory files, char @Nullable [] passphrase) {
        Object stamp = files.stamp(CaDirectory.STATE);
        Properties properties = files.readState();
        Path stateFile = files.file(CaDirectory.STATE);
        int current;
        List<Integer> trustedIds;
        try {
            if (!"1".equals(properties.getProperty("format"))) {
                throw new PkiException(stateFile + ": format '" + properties.getProperty("format") + "' (expected: 1)");
            }
            current = Integer.parseInt(properties.getProperty("generation", ""));
            trustedIds = splitInts(properties.getProperty("trusted", ""));
        } catch (NumberFormatException e) {
            throw new PkiException(stateFile + " is damaged: " + e.getMessage(), e);
        }
        if (trustedIds.isEmpty() || trustedIds.get(0) != current) {
            throw new PkiException(stateFile + " is damaged: trusted=" + trustedIds + " does not start with generation "
                    + current);
        }
        List<Generation> trusted = new ArrayList<>();
        for (int id : trustedIds) {
            Path certFile = generationFile(files, id, CaDirectory.CA_CERT);
            Path keyFile = generationFile(files, id, CaDirectory.CA_KEY);
            X509Certificate certificate = Pem.readCertificate(certFile);
            if (Files.exists(keyFile) && passphrase == null && Pem.readText(keyFile).contains(Pem.ENCRYPTED_PRIVATE_KEY)) {
                throw new PkiException(keyFile + " is encrypted: give the CA passphrase (--passphrase-file FILE or "
                        + "CODEHUB_PKI_PASSPHRASE)");
            }
            PrivateKey key = Pem.readPrivateKey(keyFile, passphrase);
            if (!Crypto.keyMatches(key, certificate)) {
                throw new PkiException(keyFile + " does not match " + certFile);
            }
            trusted.add(new Generation(id, certificate, key));
        }
        X509Certificate cross = null;
        Path crossFile = generationFile(files, current, CaDirectory.CROSS_CERT);
        if (trustedIds.size() > 1 && trustedIds.get(1) == current - 1 && Files.exists(crossFile)) {
            cross = Pem.readCertificate(crossFile);
        }
        return new CaState(trusted.get(0), List.copyOf(trusted), cross, stamp);
    }

    static void writeGeneration(CaDirectory files, int generation, X509Certificate certificate, PrivateKey key,
            @Nullable X509Certificate cross, char @Nullable [] passphrase) {
        Pem.writePrivate(generationFile(files, generation, CaDirectory.CA_KEY), Pem.encode(key, passphrase));
        Pem.writePublic(generationFile(files, generation, CaDirectory.CA_CERT), Pem.encode(certificate));
        if (cross != null) {
            Pem.writePublic(generationFile(files, generation, CaDirectory.CROSS_CERT), Pem.encode(cross));
        }
    }

    /** Writes {@code ca.properties}, the commit point of init and rotation, and loads the result. */
    static CaState commit(CaDirectory files, int generation, List<Integer> trusted, char @Nullable [] passphrase) {
        files.writeState(properties(generation, trusted));
        return load(files, passphrase);
    }

    /** Parses an RFC 4514 subject and requires a CN. */
    static X500Name parseSubject(String subject) {
        X500Name name;
        try {
            // the JDK reads RFC 4514 order (most significant RDN last), as it and OpenSSL print names
            name = X500Name.getInstance(new javax.security.auth.x500.X500Principal(subject).getEncoded());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("subject: '" + AgentIdentity.printable(subject)
                    + "' is not a distinguished name (expected e.g. CN=codehub CA,O=Example): " + e.getMessage(), e);
        }
        if (name.getRDNs(BCStyle.CN).length == 0) {
            throw new IllegalArgumentException("subject: '" + AgentIdentity.printable(subject) + "' has no CN");
        }
        return name;
    }

    /** The subject of generation {@code generation}: the CN with " G&lt;n&gt;" in place of any earlier suffix. */
    static X500Name nextSubject(X509Certificate current, int generation) {
        X500Name name = X500Name.getInstance(current.getSubjectX500Principal().getEncoded());
        X500NameBuilder builder = new X500NameBuilder(BCStyle.INSTANCE);
        for (RDN rdn : name.getRDNs()) {
            AttributeTypeAndValue[] values = rdn.getTypesAndValues();
            if (values.length == 1 && BCStyle.CN.equals(values[0].getType())) {
                String cn = text(values[0].getValue()).replaceFirst(" G[0-9]+$", "");
                builder.addRDN(BCStyle.CN, cn + " G" + generation);
            } else {
                builder.addMultiValuedRDN(values);
            }
        }
        return builder.build();
    }

    private static String text(ASN1Encodable value) {
        return value instanceof ASN1String string ? string.getString() : value.toString();
    }

    static String join(List<Integer> values) {
        return values.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    static List<Integer> splitInts(String text) {
        return Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty()).map(Integer::valueOf).toList();
    }

    static Properties properties(int generation, List<Integer> trusted) {
        Properties properties = new Properties();
        properties.setProperty("format", "1");
        properties.setProperty("generation", Integer.toString(generation));
        properties.setProperty("trusted", join(trusted));
        return properties;
    }
}
