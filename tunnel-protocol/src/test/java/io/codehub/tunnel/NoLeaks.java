package io.codehub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Fails a test class whose buffers leaked (paranoid detection, reports recorded by {@link LeakRecorder}). */
public final class NoLeaks implements BeforeAllCallback, AfterAllCallback {

    @Override
    public void beforeAll(ExtensionContext context) {
        LeakRecorder.install();
        assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.PARANOID);
        LeakRecorder.collect();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        assertThat(LeakRecorder.collect()).as("buffer leaks in " + context.getDisplayName()).isEmpty();
    }
}
