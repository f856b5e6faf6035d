package io.codehub.pki;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;

import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Key generation, signers and serial numbers. Keys and signatures come from the JDK's providers so
 * that the keys work unchanged with JSSE and Netty; the BouncyCastle provider is used only for what
 * the JDK lacks (PKCS#8 PEM encryption) and is never registered globally, so the hub's JCA set-up is
 * untouched.
 */
final class Crypto {

    private static final SecureRandom RANDOM = new SecureRandom();

    private Crypto() {
    }

    /** Created on first use: constructing the provider costs a few hundred milliseconds. */
    private static final class Bc {
        static final Provider PROVIDER = new BouncyCastleProvider();
    }

    static Provider bouncyCastle() {
        return Bc.PROVIDER;
    }

    static SecureRandom random() {
        return RANDOM;
    }

    static KeyPair generate(KeyType type) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(type.algorithm());
            if (type == KeyType.EC_P256) {
                generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            } else {
                generator.initialize(3072, RANDOM);
            }
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new PkiException("generate a " + type + " key pair: " + e.getMessage(), e);
        }
    }

    static KeyType keyType(PublicKey key) {
        if (key instanceof ECPublicKey) {
            return KeyType.EC_P256;
        }
        if (key instanceof RSAPublicKey) {
            return KeyType.RSA_3072;
        }
        throw new PkiException("unsupported key algorithm " + key.getAlgorithm() + " (expected: EC or RSA)");
    }

    static ContentSigner signer(PrivateKey key, PublicKey publicKey) {
        try {
            return new JcaContentSignerBuilder(keyType(publicKey).signatureAlgorithm())
                    .setSecureRandom(RANDOM)
                    .build(key);
        } catch (OperatorCreationException e) {
            throw new PkiException("create a signer for a " + key.getAlgorithm() + " key: " + e.getMessage(), e);
        }
    }

    static JcaX509ExtensionUtils extensionUtils() {
        try {
            return new JcaX509ExtensionUtils();
        } catch (GeneralSecurityException e) {
            throw new PkiException("SHA-1 for key identifiers is unavailable: " + e.getMessage(), e);
        }
    }

    /** A random positive serial of up to 128 bits, never zero (RFC 5280 wants at least 64 random bits). */
    static BigInteger serial() {
        BigInteger serial;
        do {
            serial = new BigInteger(128, RANDOM);
        } while (serial.bitLength() < 64);
        return serial;
    }

    static Date date(Instant instant) {
        return Date.from(instant);
    }

    /** Whether {@code key} is the private half of the certificate's public key: a signature round trip. */
    static boolean keyMatches(PrivateKey key, X509Certificate certificate) {
        try {
            String algorithm = keyType(certificate.getPublicKey()).signatureAlgorithm();
            byte[] probe = new byte[32];
            RANDOM.nextBytes(probe);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
