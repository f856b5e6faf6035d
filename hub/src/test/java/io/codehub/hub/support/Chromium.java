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
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Debian's headless Chromium ({@code /usr/bin/chromium}, installed by {@code .ci/prepare-env}) as a
 * test's browser, driven over the Chrome DevTools Protocol on a loopback port: open a page,
 * evaluate script in it, type and press keys, click, wait for a condition, emulate a phone's
 * viewport, take a screenshot. One process is one browser: cookies carry over from page to page.
 * Each page records the script errors and console errors it shows (CSP violations among them). It resolves {@code *.localhost} to loopback by itself. Flags keep it off every
 * network but loopback (no background requests, no updates, no sync). A missing Chromium fails
 * the test: browser tests never skip.
 */
public final class Chromium implements AutoCloseable {

    private static final Path BINARY = Path.of("/usr/bin/chromium");
    private static final Pattern LISTENING = Pattern.compile("DevTools listening on ws://127\\.0\\.0\\.1:(\\d+)/");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    private static final int NAVIGATIONS = 3;

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
        page.call("Runtime.enable", Map.of());
        page.call("Log.enable", Map.of());
        page.navigate(url);
        return page;
    }

    /** The URLs of the browser's open tabs. */
    public List<String> pageUrls() throws IOException, InterruptedException {
        HttpResponse<String> list = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/json/list")).timeout(CALL_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
        List<String> urls = new ArrayList<>();
        for (JsonNode target : JSON.readTree(list.body())) {
            if ("page".equals(target.path("type").asString())) {
                urls.add(target.path("url").asString());
            }
        }
        return urls;
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
        private final List<String> errors = new CopyOnWriteArrayList<>();
        private volatile WebSocket socket;

        private Page() {
        }

        private void attach(WebSocket s) {
            this.socket = s;
        }

        /**
         * Loads {@code url} in this tab and waits until its document has loaded, wherever it
         * redirected. A navigation Chromium dropped (an error, or a tab still showing
         * {@code about:blank}: a new tab's own first navigation can win the race against this one)
         * is tried again, three times in all.
         */
        public void navigate(String url) {
            String failure = "";
            for (int attempt = 1; attempt <= NAVIGATIONS; attempt++) {
                String error = call("Page.navigate", Map.of("url", url)).path("errorText").asString("");
                if (error.isEmpty() && loaded(CALL_TIMEOUT)) {
                    return;
                }
                failure = error.isEmpty() ? "the tab shows " + state() : error;
            }
            throw new IllegalStateException("Chromium did not load " + url + " in " + NAVIGATIONS + " tries: " + failure);
        }

        private boolean loaded(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                try {
                    if ("true".equals(eval("location.href !== 'about:blank' && document.readyState === 'complete'"))) {
                        return true;
                    }
                } catch (IllegalStateException e) {
                    // between documents; ask again
                }
                pause();
            }
            return false;
        }

        /** Where the tab is and how far its document got, for failure messages. */
        private String state() {
            try {
                return eval("location.href + ' (' + document.readyState + ')'");
            } catch (IllegalStateException e) {
                return "no document: " + e.getMessage();
            }
        }

        /**
         * The value of {@code expression} evaluated in the page, as text ({@code ""} for null or
         * undefined); a promise is awaited. An exception in the page fails the call with its message.
         */
        public String eval(String expression) {
            JsonNode reply = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true,
                    "awaitPromise", true));
            if (reply.has("exceptionDetails")) {
                throw new IllegalStateException("the page threw evaluating " + expression + ": "
                        + reply.get("exceptionDetails").path("exception").path("description").asString(
                                reply.get("exceptionDetails").path("text").asString()));
            }
            JsonNode result = reply.path("result").path("value");
            return result.isMissingNode() || result.isNull() ? "" : result.asString();
        }

        /**
         * Waits until {@code expression} is truthy in the page, polling every 100 ms; fails after
         * {@code timeout} with the expression and the page's text.
         */
        public void waitFor(String expression, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            String condition = "!!(" + expression + ")";
            while (true) {
                try {
                    if ("true".equals(eval(condition))) {
                        return;
                    }
                } catch (IllegalStateException e) {
                    // the page may be navigating; try again until the deadline
                }
                if (System.nanoTime() > deadline) {
                    String text;
                    try {
                        text = eval("document.body ? document.body.innerText : ''");
                    } catch (IllegalStateException e) {
                        text = e.getMessage();
                    }
                    throw new AssertionError("not true within " + timeout + ": " + expression + "\npage: " + state()
                            + "\npage text:\n" + text + "\npage errors: " + errors);
                }
                pause();
            }
        }

        private static void pause() {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted polling the page", e);
            }
        }

        /** Waits until an element matches the CSS {@code selector}. */
        public void waitForSelector(String selector, Duration timeout) {
            waitFor("document.querySelector(" + JSON.writeValueAsString(selector) + ")", timeout);
        }

        /** Moves the keyboard focus to the element matching {@code selector}. */
        public void focus(String selector) {
            eval(element(selector) + ".focus()");
        }

        /** Types {@code text} into the focused element, as a keyboard would insert it. */
        public void type(String text) {
            call("Input.insertText", Map.of("text", text));
        }

        /** Presses and releases {@code key}: {@code Enter}, {@code Tab}, {@code Escape} or {@code Space}. */
        public void press(String key) {
            Map<String, Object> down = switch (key) {
                case "Enter" -> Map.of("key", "Enter", "code", "Enter", "windowsVirtualKeyCode", 13, "text", "\r");
                case "Tab" -> Map.of("key", "Tab", "code", "Tab", "windowsVirtualKeyCode", 9);
                case "Escape" -> Map.of("key", "Escape", "code", "Escape", "windowsVirtualKeyCode", 27);
                case "Space" -> Map.of("key", " ", "code", "Space", "windowsVirtualKeyCode", 32, "text", " ");
                default -> throw new IllegalArgumentException("key: " + key + " (expected: Enter, Tab, Escape or Space)");
            };
            Map<String, Object> keyDown = new HashMap<>(down);
            keyDown.put("type", down.containsKey("text") ? "keyDown" : "rawKeyDown");
            call("Input.dispatchKeyEvent", keyDown);
            Map<String, Object> keyUp = new HashMap<>(down);
            keyUp.remove("text");
            keyUp.put("type", "keyUp");
            call("Input.dispatchKeyEvent", keyUp);
        }

        /**
         * Clicks the middle of the element matching {@code selector} with the mouse, after scrolling
         * it into view: a real user gesture (a page may open a tab on it).
         */
        public void click(String selector) {
            JsonNode box = JSON.readTree(eval("(() => { const e = " + element(selector) + "; "
                    + "e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect(); "
                    + "return JSON.stringify({x: r.left + r.width / 2, y: r.top + r.height / 2}); })()"));
            double x = box.get("x").asDouble();
            double y = box.get("y").asDouble();
            call("Input.dispatchMouseEvent", Map.of("type", "mouseMoved", "x", x, "y", y));
            call("Input.dispatchMouseEvent", Map.of("type", "mousePressed", "x", x, "y", y, "button", "left",
                    "clickCount", 1));
            call("Input.dispatchMouseEvent", Map.of("type", "mouseReleased", "x", x, "y", y, "button", "left",
                    "clickCount", 1));
        }

        /** Emulates a screen {@code width} x {@code height} CSS pixels, as a phone when {@code mobile}. */
        public void viewport(int width, int height, boolean mobile) {
            call("Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", height,
                    "deviceScaleFactor", 1, "mobile", mobile));
        }

        /** Runs {@code script} (the text of a JavaScript file) in the page, as a test tool injected into it. */
        public void inject(String script) {
            eval(script + "\n;undefined");
        }

        /** The uncaught exceptions, console errors and browser errors (CSP violations) the page showed so far. */
        public List<String> errors() {
            return List.copyOf(errors);
        }

        private static String element(String selector) {
            String quoted = JSON.writeValueAsString(selector);
            return "(document.querySelector(" + quoted + ") || (() => { throw new Error('no element matches ' + "
                    + quoted + "); })())";
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

        private void record(String method, JsonNode params) {
            switch (method) {
                case "Runtime.exceptionThrown" -> errors.add("exception: " + params.path("exceptionDetails")
                        .path("exception").path("description").asString(params.path("exceptionDetails").path("text")
                                .asString("")));
                case "Runtime.consoleAPICalled" -> {
                    if ("error".equals(params.path("type").asString(""))) {
                        errors.add("console.error: " + params.path("args").toString());
                    }
                }
                case "Log.entryAdded" -> {
                    JsonNode entry = params.path("entry");
                    if ("error".equals(entry.path("level").asString(""))) {
                        errors.add(entry.path("source").asString("") + ": " + entry.path("text").asString("") + " ("
                                + entry.path("url").asString("") + ")");
                    }
                }
                default -> {
                }
            }
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
                } else {
                    record(message.path("method").asString(""), message.path("params"));
                }
            }
            webSocket.request(1);
            return null;
        }
    }
}
