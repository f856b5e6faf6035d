package io.codehub.agent.tls;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Authenticator;
import java.net.InetSocketAddress;
import java.net.PasswordAuthentication;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

import io.codehub.base.Causes;
import io.codehub.pki.Pem;
import io.codehub.pki.PkiException;
import io.codehub.tunnel.HttpProxy;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The client side of {@code POST /v1/certificate} on the hub's tunnel port: one HTTPS/1.1 request
 * with a PEM CSR, authenticated by the API key ({@code Authorization: Bearer}) and/or the TLS client
 * certificate of the {@link SSLContext} given; the answer is the PEM chain, leaf first. Every call
 * has a connect timeout, a response timeout and a cap on the answer's size; the HTTPS proxy of the
 * tunnel ({@code HTTPS_PROXY}) is used when set.
 */
final class EnrolmentClient {

    static final String PATH = "/v1/certificate";
    static final String CSR_TYPE = "application/pkcs10";
    static final String CHAIN_TYPE = "application/pem-certificate-chain";
    private static final int MAX_DETAIL_CHARS = 512;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final URI endpoint;
    private final @Nullable HttpProxy proxy;
    private final Duration connectTimeout;
    private final Duration responseTimeout;
    private final int maxResponseBytes;

    /**
     * @param hub the hub's {@code tls://host:port}
     * @param proxy the tunnel's proxy ({@code HTTPS_PROXY}), or null to connect directly
     */
    EnrolmentClient(URI hub, @Nullable HttpProxy proxy, Duration connectTimeout, Duration responseTimeout, int maxResponseBytes) {
        this.endpoint = URI.create("https://" + hub.getRawAuthority() + PATH);
        this.proxy = proxy;
        this.connectTimeout = connectTimeout;
        this.responseTimeout = responseTimeout;
        this.maxResponseBytes = maxResponseBytes;
    }

    URI endpoint() {
        return endpoint;
    }

    /**
     * Sends {@code csrPem} and returns the chain the hub issued.
     *
     * @param ssl trust for the hub and, for a renewal, the current certificate as key material
     * @param apiKey sent as {@code Authorization: Bearer} when not null
     */
    List<X509Certificate> enrol(String csrPem, SSLContext ssl, @Nullable String apiKey) throws EnrolmentException {
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .sslContext(ssl)
                .sslParameters(tlsParameters());
        if (proxy != null) {
            builder.proxy(ProxySelector.of(InetSocketAddress.createUnresolved(proxy.host(), proxy.port())));
            if (proxy.hasCredentials()) {
                PasswordAuthentication credentials = new PasswordAuthentication(proxy.user(), proxy.password().toCharArray());
                builder.authenticator(new Authenticator() {
                    @Override
                    protected @Nullable PasswordAuthentication getPasswordAuthentication() {
                        return getRequestorType() == RequestorType.PROXY ? credentials : null;
                    }
                });
            }
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint)
                .timeout(responseTimeout)
                .header("Content-Type", CSR_TYPE)
                .header("Accept", CHAIN_TYPE + ", application/problem+json")
                .POST(HttpRequest.BodyPublishers.ofString(csrPem, StandardCharsets.US_ASCII));
        if (apiKey != null) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        HttpResponse<byte[]> response = send(builder.build(), request.build());
        if (response.statusCode() != 200) {
            throw refusal(response);
        }
        String type = response.headers().firstValue("Content-Type").orElse("");
        if (!type.toLowerCase(Locale.ROOT).startsWith(CHAIN_TYPE)) {
            throw new EnrolmentException("POST " + endpoint + ": 200 with Content-Type '" + printable(type) + "' (expected: "
                    + CHAIN_TYPE + ")", 200, null, null, null);
        }
        try {
            return Pem.parseCertificates(new String(response.body(), StandardCharsets.US_ASCII), "the hub's answer");
        } catch (PkiException e) {
            throw new EnrolmentException("POST " + endpoint + ": " + e.getMessage(), 200, null, null, e);
        }
    }

    private HttpResponse<byte[]> send(HttpClient client, HttpRequest request) throws EnrolmentException {
        CompletableFuture<HttpResponse<byte[]>> call = client.sendAsync(request, info -> new CappedBody(maxResponseBytes));
        try {
            // request.timeout bounds the wait for the headers; this bounds the whole call, body included
            return call.get(connectTimeout.plus(responseTimeout).toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            call.cancel(true);
            throw new EnrolmentException("POST " + endpoint + ": no complete answer within "
                    + connectTimeout.plus(responseTimeout).toSeconds() + " s", 0, null, null, e);
        } catch (InterruptedException e) {
            call.cancel(true);
            Thread.currentThread().interrupt();
            throw new EnrolmentException("POST " + endpoint + ": interrupted", 0, null, null, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new EnrolmentException("POST " + endpoint + ": " + describe(cause), 0, null, null, cause);
        }
    }

    private EnrolmentException refusal(HttpResponse<byte[]> response) {
        int status = response.statusCode();
        Duration retryAfter = response.headers().firstValue("Retry-After").map(EnrolmentClient::seconds).orElse(null);
        String problemType = null;
        String detail = null;
        try {
            JsonNode problem = JSON.readTree(response.body());
            if (problem != null && problem.isObject()) {
                problemType = text(problem.get("type"));
                detail = text(problem.get("detail"));
                if (detail == null) {
                    detail = text(problem.get("title"));
                }
            }
        } catch (JacksonException e) {
            // not a problem document: the status says enough
        }
        return new EnrolmentException("POST " + endpoint + ": " + status + (problemType == null ? "" : " " + problemType)
                + (detail == null ? "" : ": " + detail), status, problemType, retryAfter, null);
    }

    private static @Nullable String text(@Nullable JsonNode node) {
        if (node == null || !node.isString()) {
            return null;
        }
        String value = printable(node.asString());
        return value.length() > MAX_DETAIL_CHARS ? value.substring(0, MAX_DETAIL_CHARS) + "..." : value;
    }

    /** Keeps printable ASCII only: the text comes from the network and goes to a log line. */
    private static String printable(String value) {
        StringBuilder out = new StringBuilder(Math.min(value.length(), MAX_DETAIL_CHARS + 16));
        for (int i = 0; i < value.length() && out.length() <= MAX_DETAIL_CHARS; i++) {
            char c = value.charAt(i);
            out.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return out.toString();
    }

    private static @Nullable Duration seconds(String value) {
        try {
            long s = Long.parseLong(value.trim());
            return s >= 0 ? Duration.ofSeconds(Math.min(s, 86_400)) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The first error in the cause chain that says something ("ConnectException: Connection refused"). */
    private static String describe(Throwable error) {
        for (Throwable t : Causes.chain(error)) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getClass().getSimpleName() + ": " + printable(t.getMessage());
            }
        }
        return error.getClass().getSimpleName();
    }

    private static SSLParameters tlsParameters() {
        SSLParameters parameters = new SSLParameters();
        parameters.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        return parameters;
    }

    /** Collects a body of at most {@code max} bytes; a larger one fails the call instead of filling memory. */
    private static final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final int max;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private Flow.@Nullable Subscription subscription;

        CappedBody(int max) {
            this.max = max;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer buffer : buffers) {
                if (bytes.size() + buffer.remaining() > max) {
                    Flow.Subscription s = subscription;
                    if (s != null) {
                        s.cancel();
                    }
                    result.completeExceptionally(new IOException("answer larger than " + max + " bytes"));
                    return;
                }
                byte[] chunk = new byte[buffer.remaining()];
                buffer.get(chunk);
                bytes.writeBytes(chunk);
            }
        }

        @Override
        public void onError(Throwable error) {
            result.completeExceptionally(error);
        }

        @Override
        public void onComplete() {
            result.complete(bytes.toByteArray());
        }
    }
}
