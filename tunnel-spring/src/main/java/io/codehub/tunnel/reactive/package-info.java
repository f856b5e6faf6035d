/**
 * The one bridge between Reactive Streams and a {@link io.codehub.tunnel.TunnelStream}, used by
 * both ends of the tunnel and by anything that carries bytes over it (Agent API calls, workspace
 * traffic): {@link io.codehub.tunnel.reactive.StreamReader} turns a stream's inbound DATA into a
 * {@code Flux<DataBuffer>} with demand as flow control, {@link io.codehub.tunnel.reactive.StreamWriter}
 * writes a {@code Publisher<DataBuffer>} as DATA frames under flow control. Both own buffers once,
 * release them on every path, and turn cancellation into {@code RST_STREAM CANCEL}.
 */
@NullMarked
package io.codehub.tunnel.reactive;

import org.jspecify.annotations.NullMarked;
