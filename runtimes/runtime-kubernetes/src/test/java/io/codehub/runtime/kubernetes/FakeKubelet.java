package io.codehub.runtime.kubernetes;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a kubelet, a volume provisioner and the Job controller would do, for the mock server, which
 * has none of them. It watches pods, claims and Jobs and, on one thread:
 *
 * <ul>
 * <li>binds every new claim and keeps an in-memory file tree per claim (the volume's content),
 *     dropped when the claim is deleted;</li>
 * <li>moves a new pod to Running with a (loopback) pod IP, unless its image asks for a failure:
 *     an image containing {@value #MISSING_IMAGE} gets {@code ImagePullBackOff}, one containing
 *     {@value #CRASHING_IMAGE} {@code CrashLoopBackOff}; a pod whose claim does not exist stays
 *     Pending and unschedulable;</li>
 * <li>"runs" an archive Job by packing the data claim's tree into a gzip stream in the archive
 *     claim's tree, with a real SHA-256 and a {@code sha256sum}-format sidecar, and a restore Job by
 *     checking the sidecar and the digest the script expects and unpacking; then it creates the
 *     Job's pod in phase Succeeded or Failed with the termination message the real script writes,
 *     and sets the Job's Complete or Failed condition;</li>
 * <li>deletes a deleted Job's pods (the garbage collector's part).</li>
 * </ul>
 *
 * The shell scripts themselves are not run here; {@code JobScriptsTest} runs them on local directories.
 */
public final class FakeKubelet implements AutoCloseable {

    /** An image name part that makes the pod fail to pull. */
    public static final String MISSING_IMAGE = "missing";
    /** An image name part that makes the pod's container crash in a loop. */
    public static final String CRASHING_IMAGE = "crashing";

    private static final Logger log = LoggerFactory.getLogger(FakeKubelet.class);
    private static final Pattern EXPECTED = Pattern.compile("expected='([0-9a-f]{64})'");

    private final KubernetesClient client;
    private final String namespace;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> new Thread(r, "fake-kubelet"));
    private final Map<String, Map<String, byte[]>> volumes = new ConcurrentHashMap<>();
    private final AtomicInteger addresses = new AtomicInteger();
    private final List<Watch> watches;

    FakeKubelet(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
        this.watches = List.of(
                client.persistentVolumeClaims().inNamespace(namespace).watch(watcher(this::claim)),
                client.pods().inNamespace(namespace).watch(watcher(this::pod)),
                client.batch().v1().jobs().inNamespace(namespace).watch(watcher(this::job)));
    }

    /** Writes a file into the volume a running pod mounts at {@code mountPath}. */
    public void writeFile(String podName, String mountPath, String relativePath, String content) {
        volumes.computeIfAbsent(claimMountedAt(podName, mountPath), claim -> new ConcurrentHashMap<>())
                .put(relativePath, content.getBytes(StandardCharsets.UTF_8));
    }

    /** Reads a file of the volume a running pod mounts at {@code mountPath}. */
    public String readFile(String podName, String mountPath, String relativePath) {
        byte[] content = volumes.getOrDefault(claimMountedAt(podName, mountPath), Map.of()).get(relativePath);
        if (content == null) {
            throw new IllegalStateException(relativePath + ": no such file in the volume of " + podName);
        }
        return new String(content, StandardCharsets.UTF_8);
    }

    /** The files of a claim's volume (a copy). */
    public Map<String, byte[]> files(String claim) {
        return Map.copyOf(volumes.getOrDefault(claim, Map.of()));
    }

    /** Replaces a file of a claim's volume, e.g. to corrupt an archive. */
    public void putFile(String claim, String path, byte[] content) {
        volumes.computeIfAbsent(claim, n -> new ConcurrentHashMap<>()).put(path, content);
    }

    private String claimMountedAt(String podName, String mountPath) {
        Pod pod = client.pods().inNamespace(namespace).withName(podName).get();
        if (pod == null || pod.getStatus() == null || !"Running".equals(pod.getStatus().getPhase())) {
            throw new IllegalStateException("pod " + podName + " is not running");
        }
        String volumeName = null;
        for (VolumeMount mount : pod.getSpec().getContainers().get(0).getVolumeMounts()) {
            if (mount.getMountPath().equals(mountPath)) {
                volumeName = mount.getName();
            }
        }
        return claimOf(pod, volumeName);
    }

    private static @Nullable String claimOf(Pod pod, @Nullable String volumeName) {
        for (Volume volume : pod.getSpec().getVolumes()) {
            if (volume.getName().equals(volumeName) && volume.getPersistentVolumeClaim() != null) {
                return volume.getPersistentVolumeClaim().getClaimName();
            }
        }
        throw new IllegalStateException("pod " + pod.getMetadata().getName() + " mounts no claim as " + volumeName);
    }

    // ---- claims -----------------------------------------------------------------------------------

    private void claim(Watcher.Action action, PersistentVolumeClaim claim) {
        String name = claim.getMetadata().getName();
        if (action == Watcher.Action.DELETED) {
            volumes.remove(name);
            return;
        }
        volumes.computeIfAbsent(name, n -> new ConcurrentHashMap<>());
        if (claim.getStatus() == null || claim.getStatus().getPhase() == null) {
            claim.setStatus(new io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatusBuilder().withPhase("Bound")
                    .build());
            client.persistentVolumeClaims().inNamespace(namespace).resource(claim).updateStatus();
        }
    }

    // ---- pods -------------------------------------------------------------------------------------

    private void pod(Watcher.Action action, Pod pod) {
        if (action == Watcher.Action.DELETED || pod.getStatus() != null && pod.getStatus().getPhase() != null
                || pod.getMetadata().getLabels() != null && pod.getMetadata().getLabels().containsKey("job-name")) {
            return; // Job pods are run by job(), which sets their final status itself
        }
        String image = pod.getSpec().getContainers().get(0).getImage();
        String container = pod.getSpec().getContainers().get(0).getName();
        String now = Instant.now().toString();
        PodStatusBuilder status = new PodStatusBuilder().withStartTime(now);
        String missingClaim = missingClaim(pod);
        if (missingClaim != null) {
            status.withPhase("Pending").addNewCondition().withType("PodScheduled").withStatus("False")
                    .withReason("Unschedulable")
                    .withMessage("persistentvolumeclaim \"" + missingClaim + "\" not found").endCondition();
        } else if (image.contains(MISSING_IMAGE)) {
            status.withPhase("Pending").addToContainerStatuses(new ContainerStatusBuilder().withName(container)
                    .withImage(image).withReady(false).withRestartCount(0).withNewState().withNewWaiting()
                    .withReason("ImagePullBackOff").withMessage("Back-off pulling image \"" + image + "\"")
                    .endWaiting().endState().build());
        } else if (image.contains(CRASHING_IMAGE)) {
            status.withPhase("Running").withPodIP(nextAddress()).addToContainerStatuses(new ContainerStatusBuilder()
                    .withName(container).withImage(image).withReady(false).withRestartCount(3).withNewState()
                    .withNewWaiting().withReason("CrashLoopBackOff")
                    .withMessage("back-off 40s restarting failed container=" + container).endWaiting().endState()
                    .build());
        } else {
            status.withPhase("Running").withPodIP(nextAddress())
                    .addNewCondition().withType("Ready").withStatus("True").endCondition()
                    .addToContainerStatuses(new ContainerStatusBuilder().withName(container).withImage(image)
                            .withReady(true).withRestartCount(0).withNewState().withNewRunning().withStartedAt(now)
                            .endRunning().endState().build());
        }
        setStatus(pod, status.build());
    }

    private @Nullable String missingClaim(Pod pod) {
        for (Volume volume : pod.getSpec().getVolumes()) {
            if (volume.getPersistentVolumeClaim() != null) {
                String claim = volume.getPersistentVolumeClaim().getClaimName();
                if (client.persistentVolumeClaims().inNamespace(namespace).withName(claim).get() == null) {
                    return claim;
                }
            }
        }
        return null;
    }

    private void setStatus(Pod pod, PodStatus status) {
        pod.setStatus(status);
        client.pods().inNamespace(namespace).resource(pod).updateStatus();
    }

    /** Loopback addresses, so that nothing could ever leave the machine even if a test connected. */
    private String nextAddress() {
        int n = addresses.incrementAndGet();
        return "127.0." + (n / 250 % 250) + "." + (n % 250 + 2);
    }

    // ---- jobs -------------------------------------------------------------------------------------

    private void job(Watcher.Action action, Job job) {
        String name = job.getMetadata().getName();
        if (action == Watcher.Action.DELETED) {
            client.pods().inNamespace(namespace).withLabel("job-name", name).delete();
            return;
        }
        if (action != Watcher.Action.ADDED || job.getStatus() != null && job.getStatus().getConditions() != null
                && !job.getStatus().getConditions().isEmpty()) {
            return;
        }
        Pod template = new PodBuilder().withMetadata(job.getSpec().getTemplate().getMetadata())
                .withSpec(job.getSpec().getTemplate().getSpec()).build();
        String kind = job.getMetadata().getLabels().get(KubeNames.JOB_KIND);
        String key = job.getMetadata().getAnnotations().get(KubeNames.ARCHIVE_KEY);
        String data = claimOf(template, "data");
        String archives = claimOf(template, "archive");
        String script = String.join(" ", template.getSpec().getContainers().get(0).getCommand());
        String message;
        int exitCode;
        try {
            message = "archive".equals(kind) ? archive(data, archives, key) : restore(data, archives, key, script);
            exitCode = 0;
        } catch (IllegalStateException e) {
            message = e.getMessage();
            exitCode = 3;
        }
        Pod pod = new PodBuilder(template).editMetadata().withName(name + "-" + Integer.toHexString(addresses.incrementAndGet()))
                .addToLabels("job-name", name).endMetadata().build();
        client.pods().inNamespace(namespace).resource(pod).create();
        String now = Instant.now().toString();
        setStatus(pod, new PodStatusBuilder().withPhase(exitCode == 0 ? "Succeeded" : "Failed").withStartTime(now)
                .addToContainerStatuses(new ContainerStatusBuilder().withName("job")
                        .withImage(template.getSpec().getContainers().get(0).getImage()).withReady(false)
                        .withRestartCount(0).withNewState().withNewTerminated().withExitCode(exitCode)
                        .withReason(exitCode == 0 ? "Completed" : "Error").withMessage(message).withFinishedAt(now)
                        .endTerminated().endState().build())
                .build());
        job.setStatus(new JobStatusBuilder().withStartTime(now).withCompletionTime(exitCode == 0 ? now : null)
                .withSucceeded(exitCode == 0 ? 1 : 0).withFailed(exitCode == 0 ? 0 : 1)
                .addToConditions(new JobConditionBuilder().withType(exitCode == 0 ? "Complete" : "Failed").withStatus("True")
                        .withReason(exitCode == 0 ? null : "BackoffLimitExceeded")
                        .withMessage(exitCode == 0 ? null : "Job has reached the specified backoff limit")
                        .withLastTransitionTime(now).build())
                .build());
        client.batch().v1().jobs().inNamespace(namespace).resource(job).updateStatus();
    }

    private String archive(String data, String archives, String key) {
        byte[] archive = pack(volumes.getOrDefault(data, Map.of()));
        String sha256 = sha256(archive);
        Map<String, byte[]> store = volumes.computeIfAbsent(archives, n -> new ConcurrentHashMap<>());
        store.put(key, archive);
        store.put(key + ".sha256", (sha256 + "  " + key + "\n").getBytes(StandardCharsets.UTF_8));
        return archive.length + " " + sha256;
    }

    private String restore(String data, String archives, String key, String script) {
        Map<String, byte[]> store = volumes.getOrDefault(archives, Map.of());
        byte[] archive = store.get(key);
        if (archive == null) {
            throw new IllegalStateException("archive " + key + " is not in the archive store");
        }
        Matcher expected = EXPECTED.matcher(script);
        String sha256 = sha256(archive);
        byte[] sidecar = store.get(key + ".sha256");
        String recorded = sidecar == null ? "" : new String(sidecar, StandardCharsets.UTF_8).split(" ")[0];
        if (!expected.find() || !expected.group(1).equals(sha256) || !recorded.equals(sha256)) {
            throw new IllegalStateException("checksum mismatch: archive has " + sha256);
        }
        Map<String, byte[]> restored = new ConcurrentHashMap<>(unpack(archive));
        volumes.put(data, restored);
        return archive.length + " " + sha256;
    }

    private static byte[] pack(Map<String, byte[]> files) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(bytes))) {
            for (Map.Entry<String, byte[]> file : new TreeMap<>(files).entrySet()) {
                out.writeUTF(file.getKey());
                out.writeInt(file.getValue().length);
                out.write(file.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static Map<String, byte[]> unpack(byte[] archive) {
        Map<String, byte[]> files = new TreeMap<>();
        try (DataInputStream in = new DataInputStream(new GZIPInputStream(new ByteArrayInputStream(archive)))) {
            while (true) {
                String name;
                try {
                    name = in.readUTF();
                } catch (EOFException end) {
                    return files;
                }
                byte[] content = new byte[in.readInt()];
                in.readFully(content);
                files.put(name, content);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- plumbing ---------------------------------------------------------------------------------

    private interface Handler<T> {
        void handle(Watcher.Action action, T object);
    }

    private <T> Watcher<T> watcher(Handler<T> handler) {
        return new Watcher<>() {
            @Override
            public void eventReceived(Action action, T object) {
                worker.execute(() -> {
                    try {
                        handler.handle(action, object);
                    } catch (RuntimeException e) {
                        log.warn("fake kubelet: handling {} failed", action, e);
                    }
                });
            }

            @Override
            public void onClose(WatcherException cause) {
                log.debug("fake kubelet: watch closed", cause);
            }
        };
    }

    @Override
    public void close() {
        watches.forEach(Watch::close);
        worker.shutdownNow();
        try {
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.close();
    }
}
