/**
 * codehub's sample workspace: a small Netty HTTP/1.1 and WebSocket server that stands in for a
 * workspace's web application (a code-server IDE, say) in the tests, the demo and the benchmarks of
 * the hub's workspace gateway. {@link io.codehub.sample.SampleWorkspace} is the only public type; its
 * endpoints are listed in {@code docs/sample-workspace.md}.
 */
@NullMarked
package io.codehub.sample;

import org.jspecify.annotations.NullMarked;
