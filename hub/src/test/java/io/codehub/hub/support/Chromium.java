package io.codehub.hub.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Debian's headless Chromium ({@code /usr/bin/chromium}, installed by {@code .ci/prepare-env}) as a
 * test's browser, driven over the Chrome DevTools Protocol on a loopback port: open a page,
 * evaluate script in it, take a screenshot. One process is one browser: cookies carry over from
 * page to page. It resolves {@code *.localhost} to loopback by itself. Flags keep it off every
 * network but loopback (no background requests, no updates, no sync). A missing Chromium fails
 * the test: browser tests never skip.
 */
public final class Chromium implements AutoCloseable {

    private static final Path BINARY = Path.of("/usr/bin/chromium");
    private static final Pattern LISTENING = Pattern.compile("DevTools listening on ws://127\\.0\\.0\\.1:(\\d+)/");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    private final Process process;
    private final int port;
    private final HttpClient http = HttpClient.newHttpClient();

    private Chromium(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts a browser with the profile directory {@code profile}. */
    public static Chromium start(Path profile) throws IOException, InterruptedException {
        if (!Files.isExecutable(BINARY)) {
            throw new IllegalStateException(BINARY + " is missing: run .ci/prepare-env (apt-get install chromium)");
        }
        Files.createDirectories(profile);
        Process process = new ProcessBuilder(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0", "--user-data-dir=" + profile, "about:blank")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = err.readLine()) != null) {
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        port.complete(Integer.parseInt(m.group(1)));
                    }
                }
            } catch (IOException e) {
                port.completeExceptionally(e);
            }
            port.completeExceptionally(new IllegalStateException("chromium exited before it listened"));
        }, "chromium-stderr");
        reader.setDaemon(true);
        reader.start();
        try {
            return new Chromium(process, port.get(30, TimeUnit.SECONDS));
        } catch (Exception e) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new IllegalStateException("chromium did not start its DevTools endpoint", e);
        }
    }

    /** Opens {@code url} in a new tab. */
    public Page open(String url) throws IOException, InterruptedException {
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/json/new?about:blank")).PUT(HttpRequest.BodyPublishers.noBody()).timeout(CALL_TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofString());
        if (created.statusCode() != 200) {
            throw new IllegalStateException("DevTools /json/new answered " + created.statusCode() + ": " + created.body());
        }
        String socketUrl = JSON.readTree(created.body()).get("webSocketDebuggerUrl").asString();
        Page page = new Page();
        page.attach(http.newWebSocketBuilder().connectTimeout(CALL_TIMEOUT).buildAsync(URI.create(socketUrl), page).join());
        page.call("Page.enable", Map.of());
        page.call("Page.navigate", Map.of("url", url));
        return page;
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A tab, driven over its DevTools WebSocket. */
    public static final class Page implements WebSocket.Listener {

        private final AtomicInteger ids = new AtomicInteger();
        private final Map<Integer, CompletableFuture<JsonNode>> calls = new ConcurrentHashMap<>();
        private final StringBuilder partial = new StringBuilder();
        private volatile WebSocket socket;

        private Page() {
        }

        private void attach(WebSocket s) {
            this.socket = s;
        }

        /** The value of {@code expression} evaluated in the page, as text ({@code ""} for null or undefined). */
        public String eval(String expression) {
            JsonNode result = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true))
                    .path("result").path("value");
            return result.isMissingNode() || result.isNull() ? "" : result.asString();
        }

        /** Saves a PNG screenshot of the page as {@code file}. */
        public void screenshot(Path file) throws IOException {
            String data = call("Page.captureScreenshot", Map.of("format", "png")).get("data").asString();
            Files.createDirectories(file.getParent());
            Files.write(file, Base64.getDecoder().decode(data));
        }

        JsonNode call(String method, Map<String, Object> params) {
            int id = ids.incrementAndGet();
            CompletableFuture<JsonNode> answer = new CompletableFuture<>();
            calls.put(id, answer);
            Map<String, Object> message = Map.of("id", id, "method", method, "params", params);
            socket.sendText(JSON.writeValueAsString(message), true).join();
            JsonNode reply = answer.orTimeout(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
            if (reply.has("error")) {
                throw new IllegalStateException(method + " failed: " + reply.get("error"));
            }
            return reply.path("result");
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            attach(webSocket);
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                JsonNode message = JSON.readTree(partial.toString());
                partial.setLength(0);
                if (message.has("id")) {
                    CompletableFuture<JsonNode> call = calls.remove(message.get("id").asInt());
                    if (call != null) {
                        call.complete(message);
                    }
                }
            }
            webSocket.request(1);
            return null;
        }
    }
}
