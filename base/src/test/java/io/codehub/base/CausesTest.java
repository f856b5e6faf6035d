package io.codehub.base;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;

class CausesTest {

    private final IOException root = new IOException("Connection refused");
    private final UncheckedIOException middle = new UncheckedIOException("connect", root);
    private final IllegalStateException outer = new IllegalStateException("call failed", middle);

    @Test
    void theChainRunsOutermostFirst() {
        assertThat(Causes.chain(outer)).containsExactly(outer, middle, root);
        assertThat(Causes.chain(root)).containsExactly(root);
    }

    @Test
    void findReturnsTheOutermostOfTheType() {
        assertThat(Causes.find(outer, IOException.class)).isSameAs(root);
        assertThat(Causes.find(outer, RuntimeException.class)).isSameAs(outer);
        assertThat(Causes.find(outer, TimeoutException.class)).isNull();
        assertThat(Causes.any(outer, TimeoutException.class, IOException.class)).isTrue();
        assertThat(Causes.any(outer, TimeoutException.class)).isFalse();
    }

    @Test
    void rootAndItsWords() {
        assertThat(Causes.root(outer)).isSameAs(root);
        assertThat(Causes.root(root)).isSameAs(root);
        assertThat(Causes.rootMessage(outer)).isEqualTo("Connection refused");
        // new RuntimeException(cause) copies the cause's toString() as its message: the root speaks
        assertThat(Causes.rootMessage(new RuntimeException(new TimeoutException()))).isEqualTo("TimeoutException");
        assertThat(Causes.rootMessage(new RuntimeException("outer", new IOException(" ")))).isEqualTo("IOException");
    }

    @Test
    void aLoopInTheChainEndsTheWalk() {
        Exception a = new Exception("a");
        Exception b = new Exception("b", a);
        a.initCause(b);
        assertThat(Causes.chain(a)).containsExactly(a, b);
        assertThat(Causes.find(a, IOException.class)).isNull();
        assertThat(Causes.root(a)).isSameAs(b);
    }

    @Test
    void aVeryLongChainIsCutAtTheMaximumDepth() {
        Throwable failure = new IOException("bottom");
        for (int i = 0; i < 2 * Causes.MAX_DEPTH; i++) {
            failure = new RuntimeException("level " + i, failure);
        }
        assertThat(Causes.chain(failure)).hasSize(Causes.MAX_DEPTH);
    }
}
