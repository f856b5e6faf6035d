package io.codehub.runtime;

import java.util.regex.Pattern;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * The name of an archive in an agent's archive store: one path segment, no separators, so it can
 * never address a file outside the store.
 */
public record ArchiveKey(String value) {

    private static final Pattern VALID = Pattern.compile("[a-z0-9][A-Za-z0-9.-]{0,126}\\.tar\\.gz");

    public ArchiveKey {
        if (value == null || !VALID.matcher(value).matches() || value.contains("..")) {
            throw new InvalidSpecException(ProblemType.INVALID_SPEC, "archiveKey: "
                    + (value == null ? "missing" : "'" + WireEnum.shorten(value) + "'")
                    + " (expected: a key returned by an archive job, such as 'ws1-20260101T000000Z-1a2b3c4d.tar.gz')");
        }
    }

    @JsonCreator
    public static ArchiveKey of(String value) {
        return new ArchiveKey(value);
    }

    @JsonValue
    @Override
    public String value() {
        return value;
    }

    @Override
    public String toString() {
        return value;
    }
}
