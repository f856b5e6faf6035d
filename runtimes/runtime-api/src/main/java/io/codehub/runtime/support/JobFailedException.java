package io.codehub.runtime.support;

/**
 * A job's work ran but failed (non-zero exit, checksum mismatch, no result); the message becomes
 * the job's {@code error} through {@link JobLauncher#reason(Throwable)}. No stack trace: the message
 * says all there is.
 *
 * <p>For {@code Runtime} implementations; it never reaches a caller of the SPI.
 */
public final class JobFailedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public JobFailedException(String message) {
        super(message, null, false, false);
    }
}
