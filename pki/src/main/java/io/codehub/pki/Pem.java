package io.codehub.pki;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.CertificateList;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.OutputEncryptor;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.util.io.pem.PemGenerationException;
import org.bouncycastle.util.io.pem.PemHeader;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.jspecify.annotations.Nullable;

/**
 * Reads and writes every PEM file of codehub, the one PEM codec of the project: certificates and
 * chains, CRLs, public keys ({@code PUBLIC KEY}, X.509 SubjectPublicKeyInfo, such as the hub's token
 * key that agents are given), and PKCS#8 private keys, plain ({@code PRIVATE KEY}) or encrypted with
 * a passphrase ({@code ENCRYPTED PRIVATE KEY}, PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC, as
 * {@code openssl pkcs8 -topk8 -v2 aes256} writes). Traditional {@code EC PRIVATE KEY} and
 * {@code RSA PRIVATE KEY} files are read too.
 *
 * <p>A file that holds something else than expected is refused with a message naming it and what it
 * holds ("ca.pem holds a PRIVATE KEY, expected a CERTIFICATE"). Files larger than
 * {@link #MAX_FILE_BYTES} are refused before they are read. Writes are atomic; private keys are
 * written with mode 0600, everything else 0644.
 */
public final class Pem {

    /** The largest PEM file read: 4 MiB, room for a CRL with tens of thousands of entries. */
    public static final int MAX_FILE_BYTES = 4 * 1024 * 1024;

    static final String CERTIFICATE = "CERTIFICATE";
    static final String X509_CRL = "X509 CRL";
    static final String PRIVATE_KEY = "PRIVATE KEY";
    static final String PUBLIC_KEY = "PUBLIC KEY";
    static final String ENCRYPTED_PRIVATE_KEY = "ENCRYPTED PRIVATE KEY";
    static final String CERTIFICATE_REQUEST = "CERTIFICATE REQUEST";
    static final String NEW_CERTIFICATE_REQUEST = "NEW CERTIFICATE REQUEST";

    /** PBKDF2 rounds for encrypted keys; OpenSSL's default is 2048, far too few today. */
    private static final int PBKDF2_ITERATIONS = 100_000;

    private Pem() {
    }

    // ---- reading ----

    /** Reads every certificate of a PEM file (a certificate or a chain, leaf first). */
    public static List<X509Certificate> readCertificates(Path file) {
        return parseCertificates(readText(file), file.toString());
    }

    /** Reads the first certificate of a PEM file. */
    public static X509Certificate readCertificate(Path file) {
        return readCertificates(file).get(0);
    }

    /**
     * Reads a private key, decrypting it with {@code passphrase} when the file holds an encrypted
     * key.
     */
    public static PrivateKey readPrivateKey(Path file, char @Nullable [] passphrase) {
        return parsePrivateKey(readText(file), passphrase, file.toString());
    }

    /** Reads the (first) public key of a PEM file. */
    public static PublicKey readPublicKey(Path file) {
        return parsePublicKey(readText(file), file.toString());
    }

    /** Reads every CRL of a PEM file. */
    public static List<X509CRL> readCrls(Path file) {
        return parseCrls(readText(file), file.toString());
    }

    /** Parses the certificates of PEM text; {@code source} names it in error messages. */
    public static List<X509Certificate> parseCertificates(String pem, String source) {
        List<X509Certificate> certificates = new ArrayList<>();
        for (PemObject block : blocks(pem, source, CERTIFICATE)) {
            certificates.add(certificate(block.getContent(), source));
        }
        return List.copyOf(certificates);
    }

    /** Parses the CRLs of PEM text; {@code source} names it in error messages. */
    public static List<X509CRL> parseCrls(String pem, String source) {
        List<X509CRL> crls = new ArrayList<>();
        for (PemObject block : blocks(pem, source, X509_CRL)) {
            try {
                crls.add((X509CRL) factory().generateCRL(new ByteArrayInputStream(block.getContent())));
                CertificateList.getInstance(block.getContent()); // as for certificates, below
            } catch (CRLException | IllegalArgumentException | IllegalStateException e) {
                throw new PkiException(source + ": unreadable X509 CRL: " + e.getMessage(), e);
            }
        }
        return List.copyOf(crls);
    }

    /** Parses the (first) public key of PEM text; {@code source} names it in error messages. */
    public static PublicKey parsePublicKey(String pem, String source) {
        PemObject block = blocks(pem, source, PUBLIC_KEY).get(0);
        try {
            return new JcaPEMKeyConverter().getPublicKey(SubjectPublicKeyInfo.getInstance(block.getContent()));
        } catch (PEMException | IllegalArgumentException e) {
            throw new PkiException(source + ": unreadable PUBLIC KEY: " + e.getMessage(), e);
        }
    }

    /** Parses a private key from PEM text; {@code source} names it in error messages. */
    public static PrivateKey parsePrivateKey(String pem, char @Nullable [] passphrase, String source) {
        // openssl ecparam -genkey writes an EC PARAMETERS block before the key: skip it
        PemObject block = blocks(pem, source, PRIVATE_KEY, ENCRYPTED_PRIVATE_KEY, "EC PRIVATE KEY",
                "RSA PRIVATE KEY", "EC PARAMETERS").stream()
                .filter(b -> !"EC PARAMETERS".equals(b.getType()))
                .findFirst()
                .orElseThrow(() -> new PkiException(source + " holds EC PARAMETERS only, expected a PRIVATE KEY"));
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try {
            switch (block.getType()) {
                case PRIVATE_KEY:
                    return converter.getPrivateKey(PrivateKeyInfo.getInstance(block.getContent()));
                case ENCRYPTED_PRIVATE_KEY: {
                    if (passphrase == null || passphrase.length == 0) {
                        throw new PkiException(source + " holds an encrypted private key and no passphrase was given");
                    }
                    PKCS8EncryptedPrivateKeyInfo encrypted = new PKCS8EncryptedPrivateKeyInfo(block.getContent());
                    try {
                        return converter.getPrivateKey(encrypted.decryptPrivateKeyInfo(
                                new JceOpenSSLPKCS8DecryptorProviderBuilder().setProvider(Crypto.bouncyCastle()).build(passphrase)));
                    } catch (PKCSException e) {
                        throw new PkiException(source + ": cannot decrypt the private key (wrong passphrase?)", e);
                    }
                }
                default: {
                    if (block.getHeaders().stream()
                            .anyMatch(h -> "Proc-Type".equalsIgnoreCase(((PemHeader) h).getName()))) {
                        throw new PkiException(source + ": legacy encrypted " + block.getType()
                                + " is not supported; convert it with 'openssl pkcs8 -topk8'");
                    }
                    Object parsed = new PEMParser(new StringReader(encode(block))).readObject();
                    if (parsed instanceof PEMKeyPair pair) {
                        return converter.getKeyPair(pair).getPrivate();
                    }
                    throw new PkiException(source + ": unreadable " + block.getType());
                }
            }
        } catch (PEMException e) {
            throw new PkiException(source + ": unreadable private key: " + e.getMessage(), e);
        } catch (IOException | IllegalArgumentException | ClassCastException e) {
            throw new PkiException(source + ": unreadable " + block.getType() + ": " + e.getMessage(), e);
        } catch (OperatorCreationException e) {
            throw new PkiException(source + ": cannot set up key decryption: " + e.getMessage(), e);
        }
    }

    // ---- writing ----

    /** PEM of certificates, in the order given (a chain: leaf first). */
    public static String encode(List<X509Certificate> certificates) {
        return write(certificates.toArray());
    }

    /** PEM of one certificate. */
    public static String encode(X509Certificate certificate) {
        return write(certificate);
    }

    /** PEM of a CRL. */
    public static String encode(X509CRL crl) {
        return write(crl);
    }

    /** PEM of a public key: {@code PUBLIC KEY} (X.509 SubjectPublicKeyInfo), as OpenSSL writes it. */
    public static String encode(PublicKey key) {
        return write(key);
    }

    /**
     * PKCS#8 PEM of a private key: {@code ENCRYPTED PRIVATE KEY} when a passphrase is given,
     * {@code PRIVATE KEY} otherwise.
     */
    public static String encode(PrivateKey key, char @Nullable [] passphrase) {
        try {
            OutputEncryptor encryptor = null;
            if (passphrase != null && passphrase.length > 0) {
                encryptor = new JceOpenSSLPKCS8EncryptorBuilder(JcaPKCS8Generator.AES_256_CBC)
                        .setProvider(Crypto.bouncyCastle())
                        .setRandom(Crypto.random())
                        .setPRF(JcaPKCS8Generator.PRF_HMACSHA256)
                        .setIterationCount(PBKDF2_ITERATIONS)
                        .setPassword(passphrase)
                        .build();
            }
            return write(new JcaPKCS8Generator(key, encryptor));
        } catch (OperatorCreationException | PemGenerationException e) {
            throw new PkiException("encode a private key: " + e.getMessage(), e);
        }
    }

    /** Writes PEM text atomically with mode 0644. */
    public static void writePublic(Path file, String pem) {
        AtomicFiles.write(file, pem.getBytes(StandardCharsets.US_ASCII), false);
    }

    /** Writes PEM text (a private key) atomically with mode 0600. */
    public static void writePrivate(Path file, String pem) {
        AtomicFiles.write(file, pem.getBytes(StandardCharsets.US_ASCII), true);
    }

    // ---- shared with the package ----

    /** Reads a text file of at most {@link #MAX_FILE_BYTES}, with errors that name it. */
    static String readText(Path file) {
        return new String(readBytes(file, MAX_FILE_BYTES), StandardCharsets.US_ASCII);
    }

    static byte[] readBytes(Path file, int maxBytes) {
        try {
            long size = Files.size(file);
            if (size > maxBytes) {
                throw new PkiException(file + ": " + size + " bytes (expected: at most " + maxBytes + ")");
            }
            try (InputStream in = Files.newInputStream(file)) {
                byte[] bytes = in.readNBytes(maxBytes + 1);
                if (bytes.length > maxBytes) {
                    throw new PkiException(file + ": more than " + maxBytes + " bytes");
                }
                return bytes;
            }
        } catch (NoSuchFileException e) {
            throw new PkiException(file + ": no such file");
        } catch (IOException e) {
            throw new PkiException("read " + file + ": " + e, e);
        }
    }

    /** Every PEM block of the text; each must be one of {@code expected}, and there must be one. */
    static List<PemObject> blocks(String pem, String source, String... expected) {
        List<PemObject> all = blocks(pem, source);
        String wanted = expected[0];
        if (all.isEmpty()) {
            throw new PkiException(source + " holds no PEM data, expected " + article(wanted));
        }
        for (PemObject block : all) {
            if (!List.of(expected).contains(block.getType())) {
                throw new PkiException(source + " holds " + article(block.getType()) + ", expected " + article(wanted));
            }
        }
        return all;
    }

    /** Every PEM block of the text, whatever its type; text around the blocks is ignored. */
    static List<PemObject> blocks(String pem, String source) {
        List<PemObject> blocks = new ArrayList<>();
        try (PemReader reader = new PemReader(new StringReader(pem))) {
            for (PemObject block = reader.readPemObject(); block != null; block = reader.readPemObject()) {
                blocks.add(block);
            }
        } catch (IOException | RuntimeException e) {
            throw new PkiException(source + ": malformed PEM: " + e.getMessage(), e);
        }
        return blocks;
    }

    static X509Certificate certificate(byte[] der, String source) {
        try {
            X509Certificate certificate =
                    (X509Certificate) factory().generateCertificate(new ByteArrayInputStream(der));
            // BouncyCastle, which writes every PEM and builds on these certificates, must read it too:
            // the JDK accepts DER it refuses (end-of-contents octets inside a definite length, found by
            // PemFuzzTest), and encode() then failed with an IllegalArgumentException
            Certificate.getInstance(der);
            return certificate;
        } catch (CertificateException | IllegalArgumentException | IllegalStateException e) {
            throw new PkiException(source + ": unreadable CERTIFICATE: " + e.getMessage(), e);
        }
    }


    static CertificateFactory factory() {
        try {
            return CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("the JDK has no X.509 CertificateFactory", e);
        }
    }

    static String encode(PemObject block) {
        return write(block);
    }

    private static String write(Object... objects) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            for (Object object : objects) {
                if (object instanceof PemObject block) {
                    writer.writeObject(block);
                } else if (object instanceof X509Certificate certificate) {
                    // the encoding as read, byte for byte: BouncyCastle's writer re-encodes, which changes
                    // (and breaks the signature of) anything not in DER the JDK accepted (PemFuzzTest)
                    writer.writeObject(new PemObject(CERTIFICATE, certificate.getEncoded()));
                } else if (object instanceof X509CRL crl) {
                    writer.writeObject(new PemObject(X509_CRL, crl.getEncoded()));
                } else {
                    writer.writeObject(object);
                }
            }
        } catch (IOException | CertificateException | CRLException e) {
            throw new PkiException("encode PEM: " + e.getMessage(), e);
        }
        return out.toString();
    }

    private static String article(String type) {
        // read as letters: "an X509 CRL", "an RSA PRIVATE KEY", "an EC PRIVATE KEY"
        return ("AEIOUXR".indexOf(type.charAt(0)) >= 0 ? "an " : "a ") + type;
    }
}
