package io.codehub.tunnel;

import java.time.Duration;

import io.codehub.base.Checks;

/**
 * Every cap a tunnel endpoint enforces, with safe defaults. Immutable; change values through
 * {@link #toBuilder()}. The hub uses all of them; the agent uses the HTTP/2 ones (it advertises
 * {@code maxConcurrentStreams}, {@code maxHeaderListSize}, {@code maxFrameSize} and
 * {@code initialWindowSize} in its SETTINGS, and they bind the hub) and the handshake timeout.
 *
 * <p>Pre-authentication (hub): {@code handshakeTimeout} from accept to 101 (TLS included),
 * {@code maxHandshakeHeaderBytes} for the request line and headers, a token bucket of
 * {@code failedAuthBurst} failed authentications per source address refilled by one token every
 * {@code failedAuthRefillPeriod}, at most {@code maxHandshakesPerAddress} connections per source
 * address that have not finished their handshake, at most {@code maxHandshakes} such connections in
 * all (at most {@code maxWaitingHandshakes} more accepted and waiting for one of those slots, each for
 * at most {@code handshakeWaitTimeout}), and at most {@code maxTunnels} sessions per hub.
 *
 * <p>HTTP/2 (both): {@code maxConcurrentStreams}, {@code maxHeaderListSize},
 * {@code maxFrameSize}, {@code initialWindowSize}, at most {@code maxRstFramesPerWindow} RST_STREAM
 * frames in {@code rstWindow} (rapid-reset and MadeYouReset protection, in both directions; the
 * agent accepts up to {@code maxHubResetsPerWindow} from the hub, whose gateway cancels streams), at
 * most {@code maxConsecutiveEmptyDataFrames}, and {@code streamIdleTimeout} without a frame in
 * either direction before a stream is cancelled.
 *
 * <p>Flood budget (hub): at most {@code maxControlFramesPerWindow} frames that carry no request or
 * response (PING, SETTINGS, PRIORITY, RST_STREAM, GOAWAY, unknown types, empty DATA without
 * END_STREAM, and WINDOW_UPDATE beyond one per 4 KiB the hub sent) from one agent in
 * {@code controlFrameWindow}; beyond it the connection ends with GOAWAY {@code ENHANCE_YOUR_CALM}.
 */
public final class TunnelLimits {

    /** The default SETTINGS_MAX_FRAME_SIZE, 256 KiB (see {@link Builder#maxFrameSize(int)}). */
    public static final int DEFAULT_MAX_FRAME_SIZE = 256 * 1024;

    private static final TunnelLimits DEFAULTS = new Builder().build();

    private final Duration handshakeTimeout;
    private final int maxHandshakeHeaderBytes;
    private final int failedAuthBurst;
    private final Duration failedAuthRefillPeriod;
    private final int maxHandshakesPerAddress;
    private final int maxHandshakes;
    private final int maxWaitingHandshakes;
    private final Duration handshakeWaitTimeout;
    private final int maxTunnels;
    private final int maxConcurrentStreams;
    private final int maxHeaderListSize;
    private final int maxFrameSize;
    private final int initialWindowSize;
    private final int maxRstFramesPerWindow;
    private final int maxHubResetsPerWindow;
    private final Duration rstWindow;
    private final int maxConsecutiveEmptyDataFrames;
    private final Duration streamIdleTimeout;
    private final int maxControlFramesPerWindow;
    private final Duration controlFrameWindow;

    private TunnelLimits(Builder b) {
        handshakeTimeout = b.handshakeTimeout;
        maxHandshakeHeaderBytes = b.maxHandshakeHeaderBytes;
        failedAuthBurst = b.failedAuthBurst;
        failedAuthRefillPeriod = b.failedAuthRefillPeriod;
        maxHandshakesPerAddress = b.maxHandshakesPerAddress;
        maxHandshakes = b.maxHandshakes;
        maxWaitingHandshakes = b.maxWaitingHandshakes;
        handshakeWaitTimeout = b.handshakeWaitTimeout;
        maxTunnels = b.maxTunnels;
        maxConcurrentStreams = b.maxConcurrentStreams;
        maxHeaderListSize = b.maxHeaderListSize;
        maxFrameSize = b.maxFrameSize;
        initialWindowSize = b.initialWindowSize;
        maxRstFramesPerWindow = b.maxRstFramesPerWindow;
        maxHubResetsPerWindow = b.maxHubResetsPerWindow;
        rstWindow = b.rstWindow;
        maxConsecutiveEmptyDataFrames = b.maxConsecutiveEmptyDataFrames;
        streamIdleTimeout = b.streamIdleTimeout;
        maxControlFramesPerWindow = b.maxControlFramesPerWindow;
        controlFrameWindow = b.controlFrameWindow;
    }

    /** The defaults listed on each builder method. */
    public static TunnelLimits defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these values. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    public Duration handshakeTimeout() { return handshakeTimeout; }
    public int maxHandshakeHeaderBytes() { return maxHandshakeHeaderBytes; }
    public int failedAuthBurst() { return failedAuthBurst; }
    public Duration failedAuthRefillPeriod() { return failedAuthRefillPeriod; }
    public int maxHandshakesPerAddress() { return maxHandshakesPerAddress; }
    public int maxHandshakes() { return maxHandshakes; }
    public int maxWaitingHandshakes() { return maxWaitingHandshakes; }
    public Duration handshakeWaitTimeout() { return handshakeWaitTimeout; }
    public int maxTunnels() { return maxTunnels; }
    public int maxConcurrentStreams() { return maxConcurrentStreams; }
    public int maxHeaderListSize() { return maxHeaderListSize; }
    public int maxFrameSize() { return maxFrameSize; }
    public int initialWindowSize() { return initialWindowSize; }
    public int maxRstFramesPerWindow() { return maxRstFramesPerWindow; }
    public int maxHubResetsPerWindow() { return maxHubResetsPerWindow; }
    public Duration rstWindow() { return rstWindow; }
    public int maxConsecutiveEmptyDataFrames() { return maxConsecutiveEmptyDataFrames; }
    public Duration streamIdleTimeout() { return streamIdleTimeout; }
    public int maxControlFramesPerWindow() { return maxControlFramesPerWindow; }
    public Duration controlFrameWindow() { return controlFrameWindow; }

    @Override
    public String toString() {
        return "TunnelLimits{handshakeTimeout=" + handshakeTimeout
                + ", maxHandshakeHeaderBytes=" + maxHandshakeHeaderBytes
                + ", failedAuthBurst=" + failedAuthBurst
                + ", failedAuthRefillPeriod=" + failedAuthRefillPeriod
                + ", maxHandshakesPerAddress=" + maxHandshakesPerAddress
                + ", maxHandshakes=" + maxHandshakes
                + ", maxWaitingHandshakes=" + maxWaitingHandshakes
                + ", handshakeWaitTimeout=" + handshakeWaitTimeout
                + ", maxTunnels=" + maxTunnels
                + ", maxConcurrentStreams=" + maxConcurrentStreams
                + ", maxHeaderListSize=" + maxHeaderListSize
                + ", maxFrameSize=" + maxFrameSize
                + ", initialWindowSize=" + initialWindowSize
                + ", maxRstFramesPerWindow=" + maxRstFramesPerWindow
                + ", maxHubResetsPerWindow=" + maxHubResetsPerWindow
                + ", rstWindow=" + rstWindow
                + ", maxConsecutiveEmptyDataFrames=" + maxConsecutiveEmptyDataFrames
                + ", streamIdleTimeout=" + streamIdleTimeout
                + ", maxControlFramesPerWindow=" + maxControlFramesPerWindow
                + ", controlFrameWindow=" + controlFrameWindow + '}';
    }

    /** Validating builder; every setter rejects a bad value at once, naming it. */
    public static final class Builder {
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private int maxHandshakeHeaderBytes = 8 * 1024;
        private int failedAuthBurst = 10;
        private Duration failedAuthRefillPeriod = Duration.ofSeconds(6);
        private int maxHandshakesPerAddress = 128;
        private int maxHandshakes = 10_000;
        private int maxWaitingHandshakes = 10_000;
        private Duration handshakeWaitTimeout = Duration.ofSeconds(50);
        private int maxTunnels = 10_000;
        private int maxConcurrentStreams = 4096;
        private int maxHeaderListSize = 16 * 1024;
        private int maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
        private int initialWindowSize = 1 << 20;
        private int maxRstFramesPerWindow = 200;
        private int maxHubResetsPerWindow = 10_000;
        private Duration rstWindow = Duration.ofSeconds(30);
        private int maxConsecutiveEmptyDataFrames = 2;
        private Duration streamIdleTimeout = Duration.ofMinutes(5);
        private int maxControlFramesPerWindow = 1000;
        private Duration controlFrameWindow = Duration.ofSeconds(10);

        private Builder() {
        }

        private Builder(TunnelLimits l) {
            handshakeTimeout = l.handshakeTimeout;
            maxHandshakeHeaderBytes = l.maxHandshakeHeaderBytes;
            failedAuthBurst = l.failedAuthBurst;
            failedAuthRefillPeriod = l.failedAuthRefillPeriod;
            maxHandshakesPerAddress = l.maxHandshakesPerAddress;
            maxHandshakes = l.maxHandshakes;
            maxWaitingHandshakes = l.maxWaitingHandshakes;
            handshakeWaitTimeout = l.handshakeWaitTimeout;
            maxTunnels = l.maxTunnels;
            maxConcurrentStreams = l.maxConcurrentStreams;
            maxHeaderListSize = l.maxHeaderListSize;
            maxFrameSize = l.maxFrameSize;
            initialWindowSize = l.initialWindowSize;
            maxRstFramesPerWindow = l.maxRstFramesPerWindow;
            maxHubResetsPerWindow = l.maxHubResetsPerWindow;
            rstWindow = l.rstWindow;
            maxConsecutiveEmptyDataFrames = l.maxConsecutiveEmptyDataFrames;
            streamIdleTimeout = l.streamIdleTimeout;
            maxControlFramesPerWindow = l.maxControlFramesPerWindow;
            controlFrameWindow = l.controlFrameWindow;
        }

        /** Accept to 101, TLS handshake included (default 10 s). */
        public Builder handshakeTimeout(Duration value) {
            handshakeTimeout = Checks.positive("handshakeTimeout", value);
            return this;
        }

        /** Cap on the upgrade request line and headers, in bytes (default 8 KiB). */
        public Builder maxHandshakeHeaderBytes(int value) {
            maxHandshakeHeaderBytes = Checks.inRange("maxHandshakeHeaderBytes", value, 1024, 65_536);
            return this;
        }

        /** Failed authentications one source address may have before it is refused (default 10). */
        public Builder failedAuthBurst(int value) {
            failedAuthBurst = Checks.positive("failedAuthBurst", value);
            return this;
        }

        /** A source address earns back one failed attempt per period (default 6 s). */
        public Builder failedAuthRefillPeriod(Duration value) {
            failedAuthRefillPeriod = Checks.positive("failedAuthRefillPeriod", value);
            return this;
        }

        /**
         * Connections one source address (an IPv6 /64) may have open before their handshake is
         * answered 101 (default 128), in their handshake or waiting for one; a connection past it is
         * closed at accept, unanswered. Sessions do not count, only handshakes in progress or waiting.
         */
        public Builder maxHandshakesPerAddress(int value) {
            maxHandshakesPerAddress = Checks.positive("maxHandshakesPerAddress", value);
            return this;
        }

        /**
         * Connections of all addresses together in their handshake at once (default 10,000, as many as
         * {@code maxTunnels}); at the cap new connections are accepted and wait, before TLS, until a
         * handshake ends ({@link #maxWaitingHandshakes}). A low cap bounds CPU under a reconnection
         * storm, but many addresses can then hold it with idle sockets.
         */
        public Builder maxHandshakes(int value) {
            maxHandshakes = Checks.positive("maxHandshakes", value);
            return this;
        }

        /**
         * Connections accepted while {@link #maxHandshakes} are in progress, waiting (first come,
         * first served, before TLS: a socket each) for a handshake to end (default 10,000); with that
         * many waiting the server accepts nothing, and new connections wait in the kernel's listen
         * backlog, beyond which the kernel drops their SYNs.
         */
        public Builder maxWaitingHandshakes(int value) {
            maxWaitingHandshakes = Checks.positive("maxWaitingHandshakes", value);
            return this;
        }

        /**
         * How long a connection may wait for a handshake slot (default 50 s); one that waited longer
         * is closed unanswered when its turn comes. An agent waits six of its handshake timeouts
         * (60 s by default) for the hub's first byte, which comes as its handshake starts: keep this
         * below that.
         */
        public Builder handshakeWaitTimeout(Duration value) {
            handshakeWaitTimeout = Checks.positive("handshakeWaitTimeout", value);
            return this;
        }

        /** Sessions one hub holds at most; more handshakes get 503 (default 10,000). */
        public Builder maxTunnels(int value) {
            maxTunnels = Checks.positive("maxTunnels", value);
            return this;
        }

        /**
         * Concurrent streams per tunnel (default 4,096): Agent API calls and the workspace
         * gateway's CONNECT streams, one per open browser connection or WebSocket, share it.
         */
        public Builder maxConcurrentStreams(int value) {
            maxConcurrentStreams = Checks.positive("maxConcurrentStreams", value);
            return this;
        }

        /** SETTINGS_MAX_HEADER_LIST_SIZE (default 16 KiB). */
        public Builder maxHeaderListSize(int value) {
            maxHeaderListSize = Checks.inRange("maxHeaderListSize", value, 1024, 1 << 20);
            return this;
        }

        /**
         * SETTINGS_MAX_FRAME_SIZE (default {@value TunnelLimits#DEFAULT_MAX_FRAME_SIZE} bytes, 256 KiB;
         * the RFC 9113 minimum is 16 KiB). Each DATA frame is one message through the receiver's HTTP/2
         * codec and stream channel, with its flow-control accounting, and one write onward: with 16 KiB
         * frames, a 64 KiB read of a workspace's answer crossed the hub as four of each.
         * {@code bench gateway --phases download}, the tunnel path, in an alternating pair with nothing
         * else changed: 508–536 MB/s at 16 KiB, 580–601 at 256 KiB with the CONNECT relay reading up
         * to 256 KiB (docs/benchmarks.md, session 23, also for the hub's CPU per GB). A frame is no larger
         * than a quarter of a stream's window (1 MiB), and the receiver holds a frame in pieces until
         * it is whole, never copied (the codec's composing cumulator).
         */
        public Builder maxFrameSize(int value) {
            maxFrameSize = Checks.inRange("maxFrameSize", value, 16_384, 16_777_215);
            return this;
        }

        /**
         * SETTINGS_INITIAL_WINDOW_SIZE, per stream (default 1 MiB). The RFC's 65,535 caps one stream
         * at a window per round trip: a quarter of loopback TCP in {@code bench bulk}; 1 MiB matches
         * it. It costs nothing while idle: a window is a promise, buffers are only what a stalled
         * reader leaves unread, and that never exceeds the window.
         */
        public Builder initialWindowSize(int value) {
            initialWindowSize = Checks.inRange("initialWindowSize", value, 1024, Integer.MAX_VALUE);
            return this;
        }

        /**
         * RST_STREAM frames allowed per {@link #rstWindow(Duration)}: received by the hub, and sent
         * with an error code other than CANCEL or NO_ERROR by either side (default 200 per 30 s).
         */
        public Builder maxRstFramesPerWindow(int value) {
            maxRstFramesPerWindow = Checks.positive("maxRstFramesPerWindow", value);
            return this;
        }

        /**
         * RST_STREAM frames the agent accepts from the hub per {@link #rstWindow(Duration)} (default
         * 10,000 per 30 s). Higher than {@link #maxRstFramesPerWindow(int)}: the hub ends a CONNECT
         * stream with CANCEL whenever the gateway client it serves goes away, so a busy site sends
         * hundreds a minute in normal use; the limit still cuts a rapid-reset flood (hundreds of
         * thousands a second).
         */
        public Builder maxHubResetsPerWindow(int value) {
            maxHubResetsPerWindow = Checks.positive("maxHubResetsPerWindow", value);
            return this;
        }

        /** Window of the reset-rate limit, whole seconds (default 30 s). */
        public Builder rstWindow(Duration value) {
            rstWindow = Checks.wholeSeconds("rstWindow", value);
            return this;
        }

        /** Consecutive empty DATA frames without END_STREAM allowed (default 2). */
        public Builder maxConsecutiveEmptyDataFrames(int value) {
            maxConsecutiveEmptyDataFrames = Checks.positive("maxConsecutiveEmptyDataFrames", value);
            return this;
        }

        /** A stream with no frame either way for this long is cancelled (default 5 min). */
        public Builder streamIdleTimeout(Duration value) {
            streamIdleTimeout = Checks.positive("streamIdleTimeout", value);
            return this;
        }

        /**
         * Frames without a request or response in them that one agent may send the hub per
         * {@link #controlFrameWindow(Duration)} (default 1,000 per 10 s): PING, SETTINGS, PRIORITY,
         * RST_STREAM, GOAWAY, frames of unknown type, empty DATA without END_STREAM, and WINDOW_UPDATE
         * beyond one per 4 KiB the hub sent on the connection. A well-behaved agent sends a few per
         * keepalive interval; a flood ends the connection with GOAWAY {@code ENHANCE_YOUR_CALM}.
         */
        public Builder maxControlFramesPerWindow(int value) {
            maxControlFramesPerWindow = Checks.positive("maxControlFramesPerWindow", value);
            return this;
        }

        /** Window of the control-frame budget (default 10 s). */
        public Builder controlFrameWindow(Duration value) {
            controlFrameWindow = Checks.positive("controlFrameWindow", value);
            return this;
        }

        public TunnelLimits build() {
            return new TunnelLimits(this);
        }
    }
}
