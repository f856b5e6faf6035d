package io.codehub.pki;

/** The key algorithm of a CA. Leaf keys that the CA generates are always ECDSA P-256. */
public enum KeyType {
    /** ECDSA on NIST P-256, signing with SHA256withECDSA. The default. */
    EC_P256("EC", "SHA256withECDSA"),
    /** RSA 3072 bits, signing with SHA256withRSA, for relying parties that cannot do ECDSA. */
    RSA_3072("RSA", "SHA256withRSA");

    private final String algorithm;
    private final String signatureAlgorithm;

    KeyType(String algorithm, String signatureAlgorithm) {
        this.algorithm = algorithm;
        this.signatureAlgorithm = signatureAlgorithm;
    }

    String algorithm() {
        return algorithm;
    }

    String signatureAlgorithm() {
        return signatureAlgorithm;
    }
}
