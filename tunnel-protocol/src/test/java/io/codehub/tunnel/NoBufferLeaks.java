package io.codehub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Runs a test class with paranoid buffer leak detection and fails it when a buffer leaked. */
public final class NoBufferLeaks implements BeforeAllCallback, AfterAllCallback {

    private ResourceLeakDetector.Level previous = ResourceLeakDetector.Level.SIMPLE;

    @Override
    public void beforeAll(ExtensionContext context) {
        LeakRecorder.install();
        previous = ResourceLeakDetector.getLevel();
        LeakRecorder.collect();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        try {
            assertThat(LeakRecorder.collect()).as("buffer leaks in " + context.getDisplayName()).isEmpty();
        } finally {
            ResourceLeakDetector.setLevel(previous);
        }
    }
}
