package io.codehub.hub.identity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.text.ParseException;
import java.util.Set;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import io.codehub.hub.db.SharedSecrets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the hub's key pair in one file, {@code hub-key.jwk} (a private JWK, mode 0600), in the data
 * directory: generated on first start, read on every later one. The file is written to a temporary
 * name with mode 0600 from the start and moved into place, so no reader ever sees a partial key
 * or a readable one.
 */
public final class HubKeyStore {

    /** The key file's name inside the data directory. */
    public static final String FILE_NAME = "hub-key.jwk";

    /** The name of the shared key in table {@code cluster_keys}. */
    static final String SHARED_KEY = "hub-signing-key";

    private static final Logger log = LoggerFactory.getLogger(HubKeyStore.class);
    private static final int MAX_FILE_BYTES = 16 * 1024;
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private HubKeyStore() {
    }

    /** The identity stored in {@code dataDir}, created when there is none. */
    public static HubIdentity loadOrCreate(Path dataDir) throws IOException {
        Path file = dataDir.resolve(FILE_NAME);
        if (Files.exists(file)) {
            return read(file);
        }
        HubIdentity created = generate();
        Path temporary = Files.createTempFile(dataDir, FILE_NAME, ".tmp",
                PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        try {
            Files.writeString(temporary, created.privateJwk().toJSONString(), StandardCharsets.UTF_8);
            try {
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, file);
            }
        } catch (FileAlreadyExistsException raced) {
            return read(file);
        } finally {
            Files.deleteIfExists(temporary);
        }
        log.info("generated the hub's ES256 key pair in {}; hub id {}", file, created.hubId());
        return created;
    }

    private static HubIdentity read(Path file) throws IOException {
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
        if (permissions.stream().anyMatch(p -> !OWNER_ONLY.contains(p))) {
            log.warn("{} is readable by others ({}); restricting it to its owner", file,
                    PosixFilePermissions.toString(permissions));
            Files.setPosixFilePermissions(file, OWNER_ONLY);
        }
        if (Files.size(file) > MAX_FILE_BYTES) {
            throw new IOException(file + " is larger than " + MAX_FILE_BYTES + " bytes; expected one private JWK");
        }
        try {
            return new HubIdentity(ECKey.parse(Files.readString(file, StandardCharsets.UTF_8)));
        } catch (ParseException | IllegalArgumentException e) {
            throw new IOException(file + " does not hold the hub's EC P-256 private key: " + e.getMessage(), e);
        }
    }

    /**
     * Among many hubs, the one identity all of them sign with, kept in the database: the first hub
     * stores its key there, every hub (that one included) uses what is stored. The key file in the
     * data directory then only seeds the database. See docs/high-availability.md.
     */
    public static HubIdentity shared(HubIdentity own, SharedSecrets secrets) {
        String stored = secrets.getOrStore(SHARED_KEY, () -> own.privateJwk().toJSONString());
        HubIdentity identity;
        try {
            identity = new HubIdentity(ECKey.parse(stored));
        } catch (ParseException | IllegalArgumentException e) {
            throw new IllegalStateException("cluster_keys '" + SHARED_KEY + "' does not hold an EC P-256 private JWK: "
                    + e.getMessage(), e);
        }
        if (!identity.hubId().equals(own.hubId())) {
            log.info("signing with the hubs' shared key {} from the database (this hub's own key file holds {}); "
                    + "agents trust the shared key", identity.hubId(), own.hubId());
        }
        return identity;
    }

    /** A new identity with a fresh key (not stored). */
    static HubIdentity generate() {
        try {
            return new HubIdentity(new ECKeyGenerator(Curve.P_256).generate());
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate an EC P-256 key: " + e.getMessage(), e);
        }
    }
}
