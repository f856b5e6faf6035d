package io.codehub.runtime.docker;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.PullResponseItem;
import io.codehub.runtime.BackendUnavailableException;
import io.codehub.runtime.ImagePullPolicy;
import io.codehub.runtime.InvalidSpecException;
import io.codehub.runtime.ProblemType;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Makes an image present on the engine as its pull policy says, before anything is created from
 * it: an image that is absent under {@code Never}, or whose pull fails, is
 * {@link ProblemType#IMAGE_UNAVAILABLE} and leaves nothing behind.
 */
final class DockerImages {

    private static final Logger log = LoggerFactory.getLogger(DockerImages.class);

    private final DockerCalls calls;

    DockerImages(DockerCalls calls) {
        this.calls = calls;
    }

    /** Completes once {@code image} is present, pulling it when {@code policy} says so. */
    Mono<Void> ensure(String image, ImagePullPolicy policy) {
        return switch (policy) {
            case ALWAYS -> pull(image);
            case NEVER -> isPresent(image).flatMap(present -> present ? Mono.<Void>empty()
                    : Mono.error(new InvalidSpecException(ProblemType.IMAGE_UNAVAILABLE, "image '" + image
                            + "' is not present on the Docker engine and imagePullPolicy is Never")));
            case IF_NOT_PRESENT -> isPresent(image).flatMap(present -> present ? Mono.<Void>empty() : pull(image));
        };
    }

    /** Whether the engine has {@code image}. */
    Mono<Boolean> isPresent(String image) {
        return calls.call("inspect image", image, client -> {
            try {
                client.inspectImageCmd(image).exec();
                return true;
            } catch (NotFoundException e) {
                return false;
            }
        });
    }

    private Mono<Void> pull(String image) {
        String[] reference = splitReference(image);
        long timeoutMillis = calls.config().jobTimeout().toMillis();
        return calls.run("pull image", image, client -> {
            log.info("pulling image {}", image);
            PullProgress progress = client.pullImageCmd(reference[0]).withTag(reference[1]).exec(new PullProgress());
            try (progress) {
                if (!progress.awaitCompletion(timeoutMillis, TimeUnit.MILLISECONDS)) {
                    throw new DockerClientException("timed out after " + calls.config().jobTimeout());
                }
                progress.throwIfFailed();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DockerClientException("interrupted", e);
            } catch (IOException e) {
                throw new DockerClientException("closing the pull stream failed", e);
            }
            log.info("pulled image {}", image);
        }).onErrorMap(error -> !(error instanceof BackendUnavailableException), error -> {
            String engine = DockerErrors.engineMessage(error.getCause() != null ? error.getCause() : error);
            return new InvalidSpecException(ProblemType.IMAGE_UNAVAILABLE,
                    "image '" + image + "' could not be pulled: " + engine, error);
        });
    }

    /**
     * Follows a pull's progress stream; unlike docker-java's own callback it leaves logging a
     * failure to the caller, which reports it once, translated.
     */
    private static final class PullProgress extends ResultCallback.Adapter<PullResponseItem> {

        private volatile @Nullable Throwable failure;
        private volatile @Nullable String error;

        @Override
        public void onNext(PullResponseItem item) {
            if (item.getErrorDetail() != null) {
                String message = item.getErrorDetail().getMessage();
                error = message == null || message.isBlank() ? "the engine reported an error" : message;
            }
        }

        @Override
        public void onError(Throwable throwable) {
            failure = throwable;
            try {
                close();
            } catch (IOException e) {
                throwable.addSuppressed(e);
            }
        }

        void throwIfFailed() {
            Throwable thrown = failure;
            if (thrown instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (thrown != null) {
                throw new DockerClientException(String.valueOf(thrown.getMessage()), thrown);
            }
            if (error != null) {
                throw new DockerClientException(error);
            }
        }
    }

    /**
     * {@code [repository, tag]} of an image reference; the tag is a digest for {@code repo@sha256:...}
     * and {@code latest} when none is given, so that a pull never fetches every tag.
     */
    static String[] splitReference(String image) {
        int at = image.indexOf('@');
        if (at >= 0) {
            return new String[] {image.substring(0, at), image.substring(at + 1)};
        }
        int colon = image.lastIndexOf(':');
        if (colon > image.lastIndexOf('/')) {
            return new String[] {image.substring(0, colon), image.substring(colon + 1)};
        }
        return new String[] {image, "latest"};
    }
}
