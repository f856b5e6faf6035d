package io.codehub.runtime;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.jspecify.annotations.Nullable;

/**
 * What to run for a workspace: the body of {@code POST /instances/{workspaceId}/start}.
 * Validated on construction, with defaults for the optional fields; every length and count has a
 * cap because this arrives from the network.
 *
 * @param image           image reference, required
 * @param command         command and arguments; when given it replaces the image's entrypoint and command
 *                        (like Kubernetes' {@code command}); empty means the image's default
 * @param env             environment variables
 * @param port            the port the workspace serves on inside the instance (default 8080): its main port
 * @param ports           additional container ports it serves on (a dev server, say), each reachable through
 *                        {@link Runtime#upstream(WorkspaceId, int)} like the main port; at most
 *                        {@value #MAX_PORTS}, distinct, each 1..65535 and other than {@code port} (default none)
 * @param mountPath       where the workspace volume is mounted (default {@code /home/coder})
 * @param imagePullPolicy when to pull the image (default {@code IfNotPresent})
 * @param memoryMb        memory limit in MiB, or {@code null} for none
 * @param cpus            CPU limit in cores, or {@code null} for none
 */
public record InstanceSpec(
        String image,
        List<String> command,
        Map<String, String> env,
        int port,
        List<Integer> ports,
        String mountPath,
        ImagePullPolicy imagePullPolicy,
        @Nullable Integer memoryMb,
        @Nullable Double cpus) {

    public static final int DEFAULT_PORT = 8080;
    public static final String DEFAULT_MOUNT_PATH = "/home/coder";
    static final int MAX_IMAGE_LENGTH = 512;
    static final int MAX_COMMAND_ITEMS = 64;
    static final int MAX_ARGUMENT_LENGTH = 4096;
    static final int MAX_ENV_ENTRIES = 256;
    static final int MAX_ENV_VALUE_LENGTH = 32 * 1024;
    static final int MAX_MOUNT_PATH_LENGTH = 256;
    /** The most additional ports an instance exposes. */
    public static final int MAX_PORTS = 16;

    private static final Pattern IMAGE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/:@+-]*");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,255}");
    private static final Pattern MOUNT_PATH = Pattern.compile("/[A-Za-z0-9._/-]*");

    /**
     * The JSON creator: absent optional fields take their defaults.
     */
    @JsonCreator
    public static InstanceSpec of(@JsonProperty("image") @Nullable String image,
            @JsonProperty("command") @Nullable List<String> command,
            @JsonProperty("env") @Nullable Map<String, String> env,
            @JsonProperty("port") @Nullable Integer port,
            @JsonProperty("ports") @Nullable List<Integer> ports,
            @JsonProperty("mountPath") @Nullable String mountPath,
            @JsonProperty("imagePullPolicy") @Nullable ImagePullPolicy imagePullPolicy,
            @JsonProperty("memoryMb") @Nullable Integer memoryMb,
            @JsonProperty("cpus") @Nullable Double cpus) {
        return new InstanceSpec(image, command == null ? List.of() : command, env == null ? Map.of() : env,
                port == null ? DEFAULT_PORT : port, ports == null ? List.of() : ports,
                mountPath == null ? DEFAULT_MOUNT_PATH : mountPath,
                imagePullPolicy == null ? ImagePullPolicy.IF_NOT_PRESENT : imagePullPolicy, memoryMb, cpus);
    }

    public InstanceSpec {
        if (image == null || image.isBlank()) {
            throw invalid("image: missing (expected: an image reference such as 'busybox:1.36')");
        }
        if (image.length() > MAX_IMAGE_LENGTH || !IMAGE.matcher(image).matches()) {
            throw invalid("image: '" + WireEnum.shorten(image) + "' (expected: an image reference of at most "
                    + MAX_IMAGE_LENGTH + " characters)");
        }
        command = List.copyOf(command);
        if (command.size() > MAX_COMMAND_ITEMS) {
            throw invalid("command: " + command.size() + " items (expected: at most " + MAX_COMMAND_ITEMS + ")");
        }
        for (String argument : command) {
            if (argument.length() > MAX_ARGUMENT_LENGTH) {
                throw invalid("command: an argument of " + argument.length() + " characters (expected: at most "
                        + MAX_ARGUMENT_LENGTH + ")");
            }
        }
        env = Map.copyOf(env);
        if (env.size() > MAX_ENV_ENTRIES) {
            throw invalid("env: " + env.size() + " entries (expected: at most " + MAX_ENV_ENTRIES + ")");
        }
        env.forEach((name, value) -> {
            if (!ENV_NAME.matcher(name).matches()) {
                throw invalid("env: name '" + WireEnum.shorten(name) + "' (expected: [A-Za-z_][A-Za-z0-9_]*)");
            }
            if (value.length() > MAX_ENV_VALUE_LENGTH) {
                throw invalid("env." + name + ": " + value.length() + " characters (expected: at most "
                        + MAX_ENV_VALUE_LENGTH + ")");
            }
        });
        if (port < 1 || port > 65535) {
            throw invalid("port: " + port + " (expected: 1..65535)");
        }
        ports = validPorts(ports, port);
        if (mountPath.length() > MAX_MOUNT_PATH_LENGTH || !MOUNT_PATH.matcher(mountPath).matches()
                || mountPath.equals("/") || mountPath.contains("/../") || mountPath.endsWith("/..")) {
            throw invalid("mountPath: '" + WireEnum.shorten(mountPath)
                    + "' (expected: an absolute path below /, without '..', at most " + MAX_MOUNT_PATH_LENGTH + " characters)");
        }
        java.util.Objects.requireNonNull(imagePullPolicy, "imagePullPolicy");
        if (memoryMb != null && (memoryMb < 16 || memoryMb > 1024 * 1024)) {
            throw invalid("memoryMb: " + memoryMb + " (expected: 16..1048576)");
        }
        if (cpus != null && (cpus.isNaN() || cpus < 0.01 || cpus > 256)) {
            throw invalid("cpus: " + cpus + " (expected: 0.01..256)");
        }
    }

    /** A spec with only an image; every other field takes its default. */
    public static InstanceSpec ofImage(String image) {
        return of(image, null, null, null, null, null, null, null, null);
    }

    private static List<Integer> validPorts(List<Integer> ports, int port) {
        if (ports.size() > MAX_PORTS) {
            throw invalid("ports: " + ports.size() + " items (expected: at most " + MAX_PORTS + ")");
        }
        Set<Integer> seen = new HashSet<>();
        for (Integer extra : ports) {
            if (extra == null || extra < 1 || extra > 65535) {
                throw invalid("ports: " + extra + " (expected: port numbers 1..65535)");
            }
            if (extra == port) {
                throw invalid("ports: " + extra + " is the main port (expected: ports other than port " + port + ")");
            }
            if (!seen.add(extra)) {
                throw invalid("ports: " + extra + " appears twice (expected: distinct ports)");
            }
        }
        return List.copyOf(ports);
    }

    private static InvalidSpecException invalid(String detail) {
        return new InvalidSpecException(ProblemType.INVALID_SPEC, detail);
    }
}
