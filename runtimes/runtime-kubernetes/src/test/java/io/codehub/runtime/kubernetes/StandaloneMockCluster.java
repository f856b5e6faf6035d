package io.codehub.runtime.kubernetes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CountDownLatch;

/**
 * {@link MockCluster} as a process of its own, for tests and trials that run agents as real
 * processes: the fabric8 mock server (CRUD mode) on 127.0.0.1 with the fake kubelet, until the
 * process is stopped. No Kubernetes API server can run where the project's tests run; this is the
 * stand-in an agent with {@code CODEHUB_AGENT_RUNTIME=kubernetes} is pointed at.
 *
 * <pre>
 * java -cp ... io.codehub.runtime.kubernetes.StandaloneMockCluster --kubeconfig FILE [--port N]
 * </pre>
 *
 * Once the server listens, it writes a kubeconfig for it to {@code FILE} (atomically, so a file
 * that exists is complete: that is the readiness signal) and prints one line with the API server's
 * URL. The namespace is {@value MockCluster#NAMESPACE} and its archive claim exists, as the Helm
 * chart would have created it. Everything lives in memory and is gone when the process ends;
 * {@code SIGTERM} closes the server, {@code SIGKILL} just ends it.
 */
public final class StandaloneMockCluster {

    private static final String USAGE = "usage: StandaloneMockCluster --kubeconfig FILE [--port N]  (port 0, the "
            + "default, picks a free one)";

    private StandaloneMockCluster() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Path kubeconfig = null;
        int port = 0;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--kubeconfig" -> kubeconfig = value == null ? null : Path.of(value).toAbsolutePath();
                case "--port" -> port = value == null ? -1 : parsePort(value);
                default -> exit("unknown argument '" + args[i] + "'");
            }
            i++;
        }
        if (kubeconfig == null) {
            exit("--kubeconfig FILE is required");
        }
        if (port < 0) {
            exit("--port: expected 0..65535");
        }
        MockCluster cluster = MockCluster.start(port);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            cluster.close();
            stopped.countDown();
        }, "mock-cluster-shutdown"));
        Path partial = kubeconfig.resolveSibling(kubeconfig.getFileName() + ".partial");
        Files.writeString(partial, cluster.kubeconfig());
        Files.move(partial, kubeconfig, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        System.out.println("mock cluster: API server " + cluster.url() + ", namespace " + MockCluster.NAMESPACE
                + ", kubeconfig " + kubeconfig);
        System.out.flush();
        stopped.await();
    }

    private static int parsePort(String value) {
        try {
            int port = Integer.parseInt(value);
            return port >= 0 && port <= 65535 ? port : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void exit(String problem) {
        System.err.println("StandaloneMockCluster: " + problem);
        System.err.println(USAGE);
        System.exit(2);
    }
}
