package io.codehub.sample;

/** A query parameter out of range or malformed; answered with 400 and its message. */
final class BadParameterException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadParameterException(String message) {
        super(message, null, false, false);
    }
}
