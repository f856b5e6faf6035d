package io.codehub.hub.problem;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.netty.NettyPipeline;

/**
 * The handler behind a real HTTP/1.1 codec with small limits; the test plays Reactor Netty, writing
 * the empty answers it writes. Only an empty refusal of a request the codec (or the URI parser)
 * could not read becomes problem+json; the pairing of answers with requests follows HTTP/1.1 order.
 */
class CodecRefusalProblemsTest {

    private final EmbeddedChannel channel = new EmbeddedChannel();

    CodecRefusalProblemsTest() {
        channel.pipeline().addLast(NettyPipeline.HttpCodec, new HttpServerCodec(64, 128, 64));
        CodecRefusalProblems.install(channel.pipeline(), new CodecRefusalProblems.Limits(64, 128));
        CodecRefusalProblems.install(channel.pipeline(), new CodecRefusalProblems.Limits(1, 1));
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    @Test
    void installsOnceRightAfterTheCodec() {
        assertThat(channel.pipeline().names()).containsSubsequence(NettyPipeline.HttpCodec, CodecRefusalProblems.NAME);
        assertThat(channel.pipeline().names().stream().filter(CodecRefusalProblems.NAME::equals)).hasSize(1);
    }

    @Test
    void aRequestLineOverTheLimitGetsUriTooLong() {
        read("GET /" + "a".repeat(100) + " HTTP/1.1\r\nHost: h\r\n\r\n");

        String answer = answer(refusal(HttpResponseStatus.REQUEST_URI_TOO_LONG));

        assertThat(answer).startsWith("HTTP/1.1 414 ").contains("content-type: application/problem+json")
                .contains("connection: close")
                .endsWith("{\"type\":\"urn:codehub:problem:uri-too-long\",\"title\":\"URI too long\",\"status\":414,"
                        + "\"detail\":\"the request line is longer than the hub accepts (64 bytes)\","
                        + "\"instance\":\"\"}");
        assertThat(contentLength(answer)).isEqualTo(body(answer).getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void headersOverTheLimitGetRequestHeadersTooLarge() {
        read("GET /api/v1/agents?limit=5 HTTP/1.1\r\nHost: h\r\nX-Big: " + "b".repeat(200) + "\r\n\r\n");

        String answer = answer(refusal(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE));

        assertThat(answer).startsWith("HTTP/1.1 431 ")
                .contains("\"type\":\"urn:codehub:problem:request-headers-too-large\"")
                .contains("(128 bytes in all)").contains("\"instance\":\"/api/v1/agents\"");
    }

    @Test
    void aBadChunkGetsMalformedRequest() {
        read("POST /api/v1/agents HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n");

        String answer = answer(refusal(HttpResponseStatus.BAD_REQUEST));

        assertThat(answer).startsWith("HTTP/1.1 400 ").contains("\"type\":\"urn:codehub:problem:malformed-request\"")
                .contains("not valid HTTP/1.1");
    }

    @Test
    void aTargetThatIsNoUriGetsMalformedRequestEvenOnAKeptConnection() {
        read("GET /api/v1/agents/%zz HTTP/1.1\r\nHost: h\r\n\r\n");

        FullHttpResponse empty = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_REQUEST);
        empty.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        String answer = answer(empty);

        assertThat(answer).startsWith("HTTP/1.1 400 ").doesNotContain("connection: close")
                .contains("\"detail\":\"the request target is not a valid URI")
                .contains("\"instance\":\"/api/v1/agents/%zz\"");
    }

    @Test
    void theApplicationsOwnEmptyAnswersPassUntouched() {
        read("GET /api/v1/agents HTTP/1.1\r\nHost: h\r\n\r\n");
        assertThat(answer(refusal(HttpResponseStatus.BAD_REQUEST))).isEqualTo(
                "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");

        read("GET /api/v1/agents HTTP/1.1\r\nHost: h\r\n\r\n");
        FullHttpResponse ok = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.copiedBuffer("[]", StandardCharsets.US_ASCII));
        ok.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 2);
        assertThat(answer(ok)).isEqualTo("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n[]");
    }

    @Test
    void answersArePairedWithRequestsInOrder() {
        // Pipelined: a good request, then one whose target is no URI. 100 Continue answers neither.
        read("GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b%zz HTTP/1.1\r\nHost: h\r\n\r\n");

        String continued = answer(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        String first = answer(refusal(HttpResponseStatus.BAD_REQUEST));
        String second = answer(refusal(HttpResponseStatus.BAD_REQUEST));

        assertThat(continued).startsWith("HTTP/1.1 100 ");
        assertThat(first).endsWith("content-length: 0\r\nconnection: close\r\n\r\n");
        assertThat(second).contains("\"instance\":\"/b%zz\"");
    }

    /** An empty refusal as Reactor Netty writes it after a decoding failure. */
    private static FullHttpResponse refusal(HttpResponseStatus status) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.buffer(0));
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return response;
    }

    /** Writes {@code request}'s bytes in and drops what the codec decoded (the test plays the server). */
    private void read(String request) {
        channel.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.ISO_8859_1));
        Object decoded;
        while ((decoded = channel.readInbound()) != null) {
            ReferenceCountUtil.release(decoded);
        }
    }

    /** Writes {@code response} out; the bytes that reach the wire. */
    private String answer(FullHttpResponse response) {
        channel.writeOutbound(response);
        StringBuilder wire = new StringBuilder();
        ByteBuf bytes;
        while ((bytes = channel.readOutbound()) != null) {
            wire.append(bytes.toString(StandardCharsets.UTF_8));
            bytes.release();
        }
        return wire.toString();
    }

    private static String body(String answer) {
        return answer.substring(answer.indexOf("\r\n\r\n") + 4);
    }

    private static int contentLength(String answer) {
        return answer.lines().filter(line -> line.startsWith("content-length: ")).findFirst()
                .map(line -> Integer.parseInt(line.substring("content-length: ".length()))).orElseThrow();
    }
}
