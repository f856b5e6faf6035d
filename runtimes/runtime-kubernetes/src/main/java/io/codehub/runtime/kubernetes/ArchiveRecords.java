package io.codehub.runtime.kubernetes;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import io.codehub.runtime.ArchiveKey;
import io.codehub.runtime.WorkspaceId;
import io.codehub.runtime.support.ArchiveDigest;
import io.codehub.runtime.support.ManagedNames;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * The archive store's index: one managed ConfigMap per archive an archive Job wrote, holding its
 * key, size and SHA-256. The agent never mounts the archive claim, so this is how it answers
 * "does this archive exist?" at once (a restore of an unknown key is refused before any Job runs)
 * and which digest a restore must find. A ConfigMap without the managed label, or recording
 * another key, is not a record.
 */
final class ArchiveRecords {

    private static final Logger log = LoggerFactory.getLogger(ArchiveRecords.class);
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern BYTES = Pattern.compile("[0-9]{1,18}");

    /** What is known about an archive. */
    record ArchiveRecord(ArchiveKey key, long bytes, String sha256) {
    }

    private final KubeCalls calls;

    ArchiveRecords(KubeCalls calls) {
        this.calls = calls;
    }

    /** The record of {@code key}, empty when the store has no such archive. */
    Mono<Optional<ArchiveRecord>> find(ArchiveKey key) {
        String name = KubeNames.archiveRecord(key);
        return calls.call("get archive record", name, client -> Optional.ofNullable(
                        client.configMaps().inNamespace(calls.namespace()).withName(name).get()))
                .map(found -> found.flatMap(map -> parse(key, map)));
    }

    /** Records an archive a Job wrote. */
    Mono<Void> record(ArchiveKey key, WorkspaceId workspace, ArchiveDigest digest, Instant at) {
        String name = KubeNames.archiveRecord(key);
        ConfigMap map = new ConfigMapBuilder()
                .withNewMetadata().withName(name).withLabels(ManagedNames.workspaceLabels(workspace))
                .withAnnotations(Map.of(KubeNames.ARCHIVE_KEY, key.value())).endMetadata()
                .withData(Map.of("key", key.value(), "bytes", Long.toString(digest.bytes()), "sha256", digest.sha256(),
                        "createdAt", at.toString()))
                .build();
        return calls.run("create archive record", name, client -> {
            try {
                client.configMaps().inNamespace(calls.namespace()).resource(map).create();
                log.debug("recorded archive {} as {}", key, name);
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                // Keys carry a random part; a clash is a retried record of the same archive, or foreign.
                ConfigMap existing = client.configMaps().inNamespace(calls.namespace()).withName(name).get();
                if (existing == null || parse(key, existing).filter(r -> r.sha256().equals(digest.sha256())).isEmpty()) {
                    throw e;
                }
            }
        });
    }

    private static Optional<ArchiveRecord> parse(ArchiveKey key, ConfigMap map) {
        Map<String, String> data = map.getData();
        if (!KubeNames.isManaged(map) || data == null || !key.value().equals(data.get("key"))) {
            return Optional.empty();
        }
        String bytes = data.get("bytes");
        String sha256 = data.get("sha256");
        if (bytes == null || sha256 == null || !BYTES.matcher(bytes).matches() || !SHA256.matcher(sha256).matches()) {
            return Optional.empty();
        }
        return Optional.of(new ArchiveRecord(key, Long.parseLong(bytes), sha256));
    }
}
