package io.codehub.agent.registration;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Registers an agent with its hub and hands the agent what it needs to start, through a directory:
 * the one-shot step the compose file runs before each agent's first start.
 *
 * <pre>
 * RegistrationTool --hub http://hub:8080 --dir /var/lib/codehub/registration --name NAME
 *                  --endpoint http://agent:8081|tunnel:// [--type docker] [--capacity 10]
 *                  [--region R] [--label k=v]... [--wait 3m] [--admin-token-file FILE]
 * </pre>
 *
 * <p>The hub's admin token comes from {@code CODEHUB_ADMIN_TOKEN} or {@code --admin-token-file},
 * never from the command line (other processes can read it there). The tool waits until the hub is
 * ready ({@code /actuator/health/readiness}, at most {@code --wait}), registers the agent
 * ({@code POST /api/v1/agents}) and writes, with mode 0600:
 * <ul>
 *   <li>{@code DIR/hub-public.pem}: the hub's public key ({@code publicKeyPem} of {@code GET /api/v1/hub});</li>
 *   <li>{@code DIR/agent.properties}: {@code codehub.agent.id}, {@code codehub.agent.api-key} and
 *       {@code codehub.agent.hub-public-key}, which the agent reads with
 *       {@code SPRING_CONFIG_IMPORT=file:DIR/agent.properties}.</li>
 * </ul>
 *
 * <p><b>Run again</b> (every {@code docker-compose up}), it registers nothing when the hub still
 * knows the recorded agent (it only refreshes the hub's key); when the hub does not (its database
 * was reset), it registers the agent again and replaces the files. It never prints the API key.
 * Exit codes: 0 done, 1 failed (the message says what was asked of which hub and what came back),
 * 2 usage.
 */
public final class RegistrationTool {

    /** The file the agent imports its identity from. */
    public static final String PROPERTIES_FILE = "agent.properties";
    /** The hub's public key, PEM. */
    public static final String HUB_PUBLIC_KEY_FILE = "hub-public.pem";
    static final String TOKEN_VARIABLE = "CODEHUB_ADMIN_TOKEN";
    static final String ID_PROPERTY = "codehub.agent.id";
    static final String API_KEY_PROPERTY = "codehub.agent.api-key";
    static final String HUB_PUBLIC_KEY_PROPERTY = "codehub.agent.hub-public-key";
    private static final String USAGE = "usage: RegistrationTool --hub URL --dir DIR --name NAME --endpoint URL|tunnel:// "
            + "[--type docker] [--capacity 10] [--region R] [--label k=v]... [--wait 3m] [--admin-token-file FILE]";
    private static final Pattern AGENT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration POLL_INTERVAL = Duration.ofSeconds(1);
    private static final int MAX_DETAIL_CHARS = 300;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Options options;
    private final String adminToken;
    private final PrintStream out;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(CALL_TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER).build();

    private RegistrationTool(Options options, String adminToken, PrintStream out) {
        this.options = options;
        this.adminToken = adminToken;
        this.out = out;
    }

    /**
     * Registers the agent the arguments describe, or finds it registered, and exits.
     *
     * @param args the options above
     */
    public static void main(String[] args) {
        System.exit(run(args, System.getenv(), System.out, System.err));
    }

    /** The tool without {@code System.exit}: returns the exit code. */
    static int run(String[] args, Map<String, String> environment, PrintStream out, PrintStream err) {
        RegistrationTool tool;
        try {
            Options options = Options.parse(args);
            tool = new RegistrationTool(options, adminToken(options, environment), out);
        } catch (UsageException e) {
            err.println("codehub registration: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        try {
            tool.register();
            return 0;
        } catch (RegistrationException | IOException e) {
            err.println("codehub registration: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("codehub registration: interrupted");
            return 1;
        }
    }

    private static String adminToken(Options options, Map<String, String> environment) throws UsageException {
        String token;
        if (options.adminTokenFile() != null) {
            try {
                token = Files.readString(options.adminTokenFile(), StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new UsageException("--admin-token-file: cannot read " + options.adminTokenFile() + ": " + e.getMessage());
            }
        } else {
            token = environment.getOrDefault(TOKEN_VARIABLE, "").strip();
        }
        if (token.isEmpty()) {
            throw new UsageException("no admin token: set " + TOKEN_VARIABLE + " or --admin-token-file to the hub's admin token");
        }
        return token;
    }

    private void register() throws RegistrationException, IOException, InterruptedException {
        awaitReady();
        JsonNode hub = call("GET", "/api/v1/hub", null, 200);
        String hubId = text(hub, "hubId");
        String publicKeyPem = text(hub, "publicKeyPem");
        Path propertiesFile = options.dir().resolve(PROPERTIES_FILE);
        Path publicKeyFile = options.dir().resolve(HUB_PUBLIC_KEY_FILE);
        String recorded = recordedAgentId(propertiesFile);
        if (recorded != null) {
            if (call("GET", "/api/v1/agents/" + recorded, null, 200, 404) != null) {
                writePrivately(publicKeyFile, publicKeyPem);
                out.println("agent " + recorded + " is already registered with hub " + hubId + " (" + propertiesFile + ")");
                return;
            }
            out.println("hub " + hubId + " does not know agent " + recorded + " recorded in " + propertiesFile
                    + ": registering '" + options.name() + "' again");
        }
        ObjectNode body = JSON.createObjectNode()
                .put("name", options.name())
                .put("endpoint", options.endpoint())
                .put("type", options.type())
                .put("capacity", options.capacity());
        if (options.region() != null) {
            body.put("region", options.region());
        }
        if (!options.labels().isEmpty()) {
            ObjectNode labels = body.putObject("labels");
            options.labels().forEach(labels::put);
        }
        JsonNode registered = call("POST", "/api/v1/agents", body, 201);
        String id = text(registered.path("agent"), "id");
        String apiKey = text(registered, "apiKey");
        writePrivately(publicKeyFile, publicKeyPem);
        Properties properties = new Properties();
        properties.setProperty(ID_PROPERTY, id);
        properties.setProperty(API_KEY_PROPERTY, apiKey);
        properties.setProperty(HUB_PUBLIC_KEY_PROPERTY, publicKeyFile.toAbsolutePath().toString());
        StringWriter text = new StringWriter();
        properties.store(text, "codehub agent '" + options.name() + "', registered with hub " + hubId
                + ". Holds the agent's API key: keep it private.");
        writePrivately(propertiesFile, text.toString());
        out.println("registered agent " + id + " ('" + options.name() + "', " + options.endpoint() + ") with hub "
                + hubId + "; its id and API key are in " + propertiesFile);
    }

    /** Polls the hub's readiness probe until it answers 200, at most {@code --wait}. */
    private void awaitReady() throws RegistrationException, InterruptedException {
        URI probe = options.hub().resolve("/actuator/health/readiness");
        Instant deadline = Instant.now().plus(options.readyWithin());
        String last = "no answer yet";
        while (true) {
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(probe).timeout(CALL_TIMEOUT).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
                last = "answered " + response.statusCode();
            } catch (IOException e) {
                last = e.toString();
            }
            if (Instant.now().isAfter(deadline)) {
                throw new RegistrationException("hub at " + options.hub() + " was not ready within "
                        + options.readyWithin().toSeconds() + "s"
                        + " (GET " + probe + ": " + last + ")");
            }
            Thread.sleep(POLL_INTERVAL.toMillis());
        }
    }

    /**
     * One admin API call; the body of an expected status as JSON, or null for an expected 404.
     * Anything else fails with what was asked and what the hub answered (its problem detail).
     */
    private @Nullable JsonNode call(String method, String path, @Nullable JsonNode body, int... expected)
            throws RegistrationException, InterruptedException {
        URI uri = options.hub().resolve(path);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(CALL_TIMEOUT)
                .header("Authorization", "Bearer " + adminToken)
                .header("Accept", "application/json");
        if (body != null) {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new RegistrationException(method + " " + uri + " failed: " + e, e);
        }
        for (int status : expected) {
            if (response.statusCode() == status) {
                if (status == 404) {
                    return null;
                }
                try {
                    return JSON.readTree(response.body());
                } catch (JacksonException e) {
                    throw new RegistrationException(method + " " + uri + " answered " + status
                            + " with a body that is not JSON", e);
                }
            }
        }
        String detail = response.body().length() > MAX_DETAIL_CHARS
                ? response.body().substring(0, MAX_DETAIL_CHARS) + "..." : response.body();
        String hint = response.statusCode() == 401 ? " (is " + TOKEN_VARIABLE + " the hub's admin token?)" : "";
        throw new RegistrationException(method + " " + uri + " answered " + response.statusCode() + hint + ": " + detail);
    }

    private static @Nullable String recordedAgentId(Path propertiesFile) throws IOException, RegistrationException {
        if (!Files.exists(propertiesFile)) {
            return null;
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(propertiesFile, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        String id = properties.getProperty(ID_PROPERTY, "");
        if (!AGENT_ID.matcher(id).matches() || properties.getProperty(API_KEY_PROPERTY, "").isEmpty()) {
            throw new RegistrationException(propertiesFile + " holds no usable " + ID_PROPERTY + " and "
                    + API_KEY_PROPERTY + ": remove it to register the agent again");
        }
        return id;
    }

    private static String text(JsonNode node, String field) throws RegistrationException {
        JsonNode value = node.get(field);
        if (value == null || !value.isString() || value.asString().isEmpty()) {
            throw new RegistrationException("the hub's answer has no '" + field + "'");
        }
        return value.asString();
    }

    /** Writes through a 0600 temporary file renamed into place, so that a reader never sees half a file. */
    private static void writePrivately(Path file, String content) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temporary = Files.createTempFile(dir, file.getFileName().toString(), ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(temporary, content, StandardCharsets.UTF_8);
            try {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** The parsed command line. */
    record Options(URI hub, Path dir, String name, String endpoint, String type, int capacity,
            @Nullable String region, Map<String, String> labels, Duration readyWithin, @Nullable Path adminTokenFile) {

        static Options parse(String[] args) throws UsageException {
            Map<String, String> single = new LinkedHashMap<>();
            Map<String, String> labels = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i += 2) {
                String name = args[i];
                if (i + 1 >= args.length) {
                    throw new UsageException(name + ": missing value");
                }
                String value = args[i + 1];
                switch (name) {
                    case "--label" -> {
                        int equals = value.indexOf('=');
                        if (equals <= 0) {
                            throw new UsageException("--label: '" + value + "' (expected: key=value)");
                        }
                        labels.put(value.substring(0, equals), value.substring(equals + 1));
                    }
                    case "--hub", "--dir", "--name", "--endpoint", "--type", "--capacity", "--region", "--wait",
                            "--admin-token-file" -> single.put(name, value);
                    default -> throw new UsageException("unknown option '" + name + "'");
                }
            }
            URI hub = hub(require(single, "--hub"));
            int capacity;
            try {
                capacity = Integer.parseInt(single.getOrDefault("--capacity", "10"));
            } catch (NumberFormatException e) {
                throw new UsageException("--capacity: '" + single.get("--capacity") + "' (expected: a number >= 0)");
            }
            if (capacity < 0) {
                throw new UsageException("--capacity: " + capacity + " (expected: >= 0)");
            }
            Duration wait;
            try {
                wait = Duration.parse("PT" + single.getOrDefault("--wait", "3m").toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw new UsageException("--wait: '" + single.get("--wait") + "' (expected: e.g. 90s or 3m)");
            }
            String tokenFile = single.get("--admin-token-file");
            return new Options(hub, Path.of(require(single, "--dir")), require(single, "--name"),
                    require(single, "--endpoint"), single.getOrDefault("--type", "docker"), capacity,
                    single.get("--region"), Map.copyOf(labels), wait, tokenFile == null ? null : Path.of(tokenFile));
        }

        private static URI hub(String value) throws UsageException {
            try {
                URI uri = URI.create(value);
                if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                    return uri;
                }
            } catch (IllegalArgumentException e) {
                // reported below
            }
            throw new UsageException("--hub: '" + value + "' (expected: the hub's API URL, e.g. http://hub:8080)");
        }

        private static String require(Map<String, String> options, String name) throws UsageException {
            String value = options.get(name);
            if (value == null || value.isBlank()) {
                throw new UsageException("missing " + name);
            }
            return value;
        }
    }

    /** A command line that cannot be used; exit code 2. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
