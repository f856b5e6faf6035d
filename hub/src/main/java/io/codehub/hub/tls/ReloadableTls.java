package io.codehub.hub.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import io.netty.handler.ssl.SslContext;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listener's TLS context, built from files an operator renews in place (certbot, cert-manager,
 * {@code bin/codehub pki issue server}): {@link #refresh()} rebuilds it when a file's modification
 * time or size, or another input (a trust bundle), changed and then stayed as it was until the next
 * look (a renewal writes the key and the chain one after the other: a look between the two must
 * not pair a new key with the old chain). Connections accepted after that use the new context;
 * open ones keep theirs. An unusable new file keeps the previous context (and is logged), so a
 * half-written renewal never takes the listener down.
 */
public final class ReloadableTls {

    private static final Logger log = LoggerFactory.getLogger(ReloadableTls.class);

    /** Builds the context from the files (and whatever else the listener's TLS takes). */
    @FunctionalInterface
    public interface Builder {
        SslContext build() throws IOException;
    }

    private final String name;
    private final List<Path> files;
    private final Supplier<?> otherInputs;
    private final Builder builder;
    private final AtomicReference<Built> current = new AtomicReference<>();
    /** Inputs seen changed at the last look, to be used once the next look finds them the same. */
    private @Nullable Object settling;

    private record Built(SslContext context, Object stamp) {
    }

    /**
     * Builds the first context at once.
     *
     * @param name        what the listener is, for logs ({@code "tunnel port"}, {@code "gateway"})
     * @param files       the files it is built from, watched for changes
     * @param otherInputs other inputs whose change calls for a rebuild (compared with {@code equals})
     * @throws IOException or a runtime exception when the first context cannot be built
     */
    public ReloadableTls(String name, List<Path> files, Supplier<?> otherInputs, Builder builder) throws IOException {
        this.name = name;
        this.files = List.copyOf(files);
        this.otherInputs = otherInputs;
        this.builder = builder;
        Object stamp = stamp();
        current.set(new Built(builder.build(), stamp));
    }

    /** The context for the next accepted connection. */
    public SslContext current() {
        return current.get().context();
    }

    /**
     * Rebuilds the context if its inputs changed and stayed so since the last look (it reads file
     * attributes: not on an event loop).
     *
     * @return whether a new context is in use
     */
    public synchronized boolean refresh() {
        Object stamp = stamp();
        if (Objects.equals(stamp, current.get().stamp())) {
            settling = null;
            return false;
        }
        if (!Objects.equals(stamp, settling)) {
            settling = stamp; // changed since the last look: maybe still being written
            return false;
        }
        settling = null;
        try {
            current.set(new Built(builder.build(), stamp));
            log.info("{} TLS reloaded from {}", name, files.get(0));
            return true;
        } catch (IOException | RuntimeException e) {
            log.warn("{} TLS not reloaded, the previous certificate stays in use: {}", name, e.getMessage());
            current.set(new Built(current.get().context(), stamp)); // said once, not at every look
            return false;
        }
    }

    private Object stamp() {
        List<Object> stamp = new ArrayList<>();
        for (Path file : files) {
            stamp.add(modified(file));
        }
        stamp.add(otherInputs.get());
        return stamp;
    }

    private static String modified(Path file) {
        try {
            return Files.getLastModifiedTime(file).toMillis() + ":" + Files.size(file);
        } catch (IOException e) {
            return "unreadable";
        }
    }
}
